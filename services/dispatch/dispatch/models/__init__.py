"""dispatch's tables, all in the `dispatch` schema."""

from kentongan.db import declarative_base
from kentongan.inbox import inbox_table
from kentongan.outbox import outbox_table

SCHEMA = "dispatch"
Base = declarative_base(SCHEMA)
outbox = outbox_table(Base.metadata, source="/services/dispatch")
inbox = inbox_table(Base.metadata)

from dispatch.models.incident import ACTIVE, Incident  # noqa: E402
from dispatch.models.incident_alarm import IncidentAlarm  # noqa: E402
from dispatch.models.incident_location import IncidentLocation  # noqa: E402
from dispatch.models.incident_note import IncidentNote  # noqa: E402
from dispatch.models.incident_snapshot import IncidentSnapshot  # noqa: E402
from dispatch.models.unit import Unit  # noqa: E402

__all__ = ["ACTIVE", "Base", "Incident", "IncidentAlarm", "IncidentLocation", "IncidentNote", "IncidentSnapshot", "Unit",
           "inbox", "outbox"]
