"""What a service's background work reports about its own progress, for `/readyz` and the metrics.

A reachable database and broker are not enough to be ready: a consumer stuck on one message, or alarms that
no incident has taken for a minute, mean the service is not doing its job. Workers report such a problem
here with a reason a person can act on, and clear it when it is gone.

A `blocking` problem makes `/readyz` answer 503 (the replica should get no traffic until it heals); a
non-blocking one is reported with status "degraded" and 200, for problems whose cure is elsewhere and where
taking the replica out would do harm: the gateway must keep accepting alarms while dispatch is down.

Besides the database and the broker, a service may depend on other stores (the object store of evidence and
snapshots): `depend_on` names them, and `/readyz` checks each as it checks those two.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kentongan import metrics

log = logging.getLogger(__name__)
DEPENDENCY_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Problem:
    reason: str
    blocking: bool


class Health:
    """The current problems of one service's workers, by check name."""

    def __init__(self, service: str) -> None:
        self._service = service
        self._problems: dict[str, Problem] = {}
        self._probes: dict[str, tuple[Callable[[], str | None], bool]] = {}
        self._dependencies: dict[str, tuple[Callable[[], Awaitable[None]], str]] = {}

    def report(self, check: str, reason: str | None, *, blocking: bool = True) -> None:
        """Set (`reason`) or clear (None) the problem of `check`."""
        if reason is None:
            self._problems.pop(check, None)
        else:
            self._problems[check] = Problem(reason, blocking)
        metrics.HEALTH_PROBLEM.labels(self._service, check).set(0 if reason is None else 1)

    def watch(self, check: str, probe: Callable[[], str | None], *, blocking: bool = True) -> None:
        """Ask `probe` for the problem of `check` (a reason, or None) each time the problems are read."""
        self._probes[check] = (probe, blocking)

    def problems(self) -> dict[str, Problem]:
        for check, (probe, blocking) in self._probes.items():
            self.report(check, probe(), blocking=blocking)
        return dict(self._problems)

    def depend_on(self, check: str, probe: Callable[[], Awaitable[None]], reason: str) -> None:
        """A store the service cannot work without, like its database: `probe` raises when it is unreachable,
        and `/readyz` then answers 503 with `reason` (the details go to the log, not to the prober)."""
        self._dependencies[check] = (probe, reason)

    @property
    def dependencies(self) -> list[str]:
        return list(self._dependencies)

    async def unreachable(self) -> dict[str, str]:
        """The reason of each dependency that does not answer its probe in time."""
        reasons = {}
        for check, (probe, reason) in self._dependencies.items():
            try:
                await asyncio.wait_for(probe(), DEPENDENCY_TIMEOUT_S)
            except Exception:  # any failure means not ready
                log.warning("readiness: %s is unreachable", check, exc_info=True)
                reasons[check] = reason
        return reasons
