"""Events of incidents, produced by dispatch on `incidents.v1` (key: incident id).

Every incident event carries the same snapshot of the incident after the change, so a consumer never needs
to read dispatch's tables. Alarm notes and reporter details stay out: the minimum others need.
"""

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from kentongan.events import topics
from kentongan.events.envelope import EventModel

IncidentStatus = Literal["open", "acknowledged", "assigned", "en_route", "on_scene", "resolved", "cancelled"]


class IncidentChanged(EventModel):
    topic: ClassVar[str] = topics.INCIDENTS
    key_field: ClassVar[str] = "incident_id"

    incident_id: UUID
    status: IncidentStatus
    category: str
    priority: int
    lat: float
    lon: float
    area: str
    source: Literal["alarm", "report"] = "alarm"
    silent: bool = False
    # Opened by a caller who proved no identity (an anonymous urgent report): no RT broadcast until an
    # operator has acknowledged it (anyone can send such a report; no neighbourhood roused by a prank).
    unauthenticated: bool = False
    alarm_ids: list[UUID] = []  # noqa: RUF012 # pydantic copies a default per instance
    unit_id: str | None = None
    escalation_level: int = 0
    outcome: str | None = None
    opened_at: datetime
    updated_at: datetime
    version: int


class IncidentOpened(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.opened"


class IncidentAlarmMerged(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.alarm_merged"


class IncidentLocationUpdated(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.location_updated"


class IncidentAcknowledged(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.acknowledged"


class IncidentAssigned(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.assigned"


class IncidentStatusChanged(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.status_changed"


class IncidentResolved(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.resolved"


class IncidentCancelled(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.cancelled"


class IncidentEscalated(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.escalated"


class IncidentReopened(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.reopened"


class IncidentNoteAdded(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.note_added"


class IncidentSnapshotAttached(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.snapshot_attached"
