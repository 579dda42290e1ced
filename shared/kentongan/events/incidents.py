"""Events of incidents, produced by dispatch on `incidents.v1` (key: incident id).

Every incident event carries the same snapshot of the incident after the change, so a consumer never needs
to read dispatch's tables. Alarm notes and reporter details stay out: the minimum others need.

Bounded: an event never grows with the size of the incident. It carries how many alarms the incident holds
(`alarm_count`), the alarm that caused the change (`alarm_id`: the one that opened the incident or was merged
into it), and at most the first `ALARM_IDS_SHOWN` alarm ids, never the whole list. A consumer that must know
every alarm of an incident remembers each `alarm_id` it sees (events of one incident arrive in order).
"""

from datetime import datetime
from typing import ClassVar, Literal, get_args
from uuid import UUID

from pydantic import Field

from kentongan.events import topics
from kentongan.events.alarms import PRIVATE_CATEGORIES, AlarmStatus
from kentongan.events.envelope import EventModel

ALARM_IDS_SHOWN = 5  # alarm ids an event (and dispatch's queue view) lists at most

# The vocabulary of incidents, written once: dispatch, alarm-gateway, notifier and the console (through
# dispatch's /console/config.json) read it from here.

# The statuses in the order an incident goes through them.
IncidentStatus = Literal["open", "acknowledged", "assigned", "en_route", "on_scene", "resolved", "cancelled"]
INCIDENT_STATUSES: tuple[IncidentStatus, ...] = get_args(IncidentStatus)
CLOSED_STATUSES: frozenset[IncidentStatus] = frozenset({"resolved", "cancelled"})
ACTIVE_STATUSES: tuple[IncidentStatus, ...] = tuple(s for s in INCIDENT_STATUSES if s not in CLOSED_STATUSES)

# What an operator may move an incident to, and from which statuses: taking it, sending a unit (again, by a
# supervisor), the unit's progress, resolving, and (supervisors) reopening a closed one. An incident is
# opened by an alarm or an urgent report and cancelled when its every alarm is, never by an operator.
STATUS_TRANSITIONS: dict[IncidentStatus, frozenset[IncidentStatus]] = {
    "acknowledged": frozenset({"open"}),
    "assigned": frozenset(ACTIVE_STATUSES),
    "en_route": frozenset({"assigned"}),
    "on_scene": frozenset({"assigned", "en_route"}),
    "resolved": frozenset(ACTIVE_STATUSES),
    "open": CLOSED_STATUSES,
}

# What the caller's app shows while the incident holding their alarm is in each status.
ALARM_STATUS_OF: dict[IncidentStatus, AlarmStatus] = {
    "open": "received",
    "acknowledged": "acknowledged",
    "assigned": "unit_dispatched",
    "en_route": "unit_dispatched",
    "on_scene": "unit_dispatched",
    "resolved": "resolved",
    "cancelled": "cancelled",
}

# An incident's category: its alarm's or its urgent report's, in the console's order.
IncidentCategory = Literal["sexual_violence", "child_abuse", "violence", "domestic_violence", "fire", "medical",
                           "crime", "bullying", "other"]
INCIDENT_CATEGORIES: tuple[IncidentCategory, ...] = get_args(IncidentCategory)

# How urgent each category is (1 low .. MAX_PRIORITY highest); a silent alarm is one step more urgent.
MAX_PRIORITY = 5
CATEGORY_PRIORITY: dict[str, int] = {  # by IncidentCategory; read with any category name
    "sexual_violence": 4,
    "child_abuse": 4,
    "violence": 4,
    "domestic_violence": 4,
    "fire": 4,
    "medical": 4,
    "crime": 3,
    "bullying": 3,
    "other": 2,
}

# Categories whose details stay with supervisors and out of every broadcast (victim privacy): dispatch withholds
# callers' notes from operators, notifier alerts RTs and the public (CAP) without naming them.
SENSITIVE_CATEGORIES: frozenset[IncidentCategory] = frozenset({"sexual_violence", "child_abuse", "domestic_violence"})
# Categories whose callers' emergency contacts are never told about the alarm (an abuser may be one of them).
NEVER_TOLD_CATEGORIES: frozenset[str] = PRIVATE_CATEGORIES | SENSITIVE_CATEGORIES


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
    report_id: UUID | None = None  # the urgent report that opened it (source "report")
    silent: bool = False
    # The first alarms of the incident, at most ALARM_IDS_SHOWN of them (all of them only while that few). Not
    # enforced when reading: events published before the bound listed every alarm.
    alarm_ids: list[UUID] = Field(default_factory=list)
    alarm_count: int = 0
    # The alarm this change placed in the incident (opened, alarm_merged); None for other changes.
    alarm_id: UUID | None = None
    # The urgent report this change placed in the incident: the one that opened it, or one of an anonymous
    # burst that joined it (report-intake stops re-sending it then); None for other changes.
    placed_report_id: UUID | None = None
    # Opened from a message dispatch could not process (dead-lettered): supervisors check it by hand.
    unprocessed: bool = False
    # Opened by a caller who proved no identity (an anonymous urgent report): no RT broadcast until an
    # operator has acknowledged it (anyone can send such a report; no neighbourhood roused by a prank).
    unauthenticated: bool = False
    # A caller was forced to cancel (duress PIN): nothing may reach the callers' phones about it.
    duress: bool = False
    unit_id: str | None = None
    escalation_level: int = 0
    # No longer sent (an operator's free text; no consumer needs it, dispatch keeps it sealed): kept so that
    # events published before still parse.
    outcome: str | None = None
    opened_at: datetime
    updated_at: datetime
    version: int


class IncidentOpened(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.opened"


class IncidentAlarmMerged(IncidentChanged):
    ce_type: ClassVar[str] = "kentongan.incident.alarm_merged"


class IncidentReportMerged(IncidentChanged):
    """An unauthenticated urgent report joined the active incident of its source's burst (`placed_report_id`)."""

    ce_type: ClassVar[str] = "kentongan.incident.report_merged"


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


class IncidentPlacementConfirmed(IncidentChanged):
    """Nothing changed: the alarm (`alarm_id`) or urgent report (`report_id`) was published again by its producer,
    which has not heard that it is placed (a broker lost the first announcement), and is in this incident. The
    version is the incident's current one; the producer stops re-sending when it reads this."""

    ce_type: ClassVar[str] = "kentongan.incident.placement_confirmed"
