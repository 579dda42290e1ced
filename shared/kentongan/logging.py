"""Structured JSON logs (structlog) carrying the event and incident ids for correlation.

Standard-library loggers are routed through the same JSON renderer. Never log personal data: log ids.
"""

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import structlog

if TYPE_CHECKING:
    from kentongan.events import Envelope

_SHARED_PROCESSORS: list[structlog.typing.Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.format_exc_info,
]


def configure_logging(service: str, level: str = "INFO") -> None:
    """JSON lines on stdout for both structlog and standard-library loggers."""
    structlog.configure(
        processors=[*_SHARED_PROCESSORS, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer()],
        foreign_pre_chain=_SHARED_PROCESSORS,
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    structlog.contextvars.bind_contextvars(service=service)


@contextmanager
def bind_event(envelope: "Envelope") -> Iterator[None]:
    """Log lines inside carry the event's id and type, and the incident id when there is one."""
    fields = {"event_id": envelope.id, "event_type": envelope.type}
    incident_id = getattr(envelope.data, "incident_id", None)
    if incident_id is not None:
        fields["incident_id"] = str(incident_id)
    with structlog.contextvars.bound_contextvars(**fields):
        yield
