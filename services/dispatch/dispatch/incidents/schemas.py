from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, computed_field

from dispatch.deliveries.schemas import DeliveryCount
from dispatch.incidents.priority import ESCALATION_LADDER
from kentongan.events.incidents import IncidentStatus
from kentongan.paging import Page
from kentongan.text import Line, Text


class Incident(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    status: IncidentStatus
    category: str
    priority: int
    lat: float
    lon: float
    area: str
    source: Literal["alarm", "report"]
    silent: bool
    unauthenticated: bool = Field(False, description="Opened by an anonymous urgent report: triage it first")
    duress: bool = Field(description="A caller was forced to cancel (duress PIN): the most urgent case")
    alarm_ids: list[UUID] = Field(description="The first alarms only (at most 5); see alarm_count and /alarms")
    alarm_count: int
    unprocessed: bool = Field(description="Opened from a message dispatch could not process: supervisors check it")
    unit_id: str | None
    escalation_level: int
    outcome: str | None = Field(None, description="Sealed at rest: shown on the incident's own page "
                                "(GET /v1/incidents/{id}), null in the queue, the stream and action answers")
    acknowledged_by: str | None
    opened_at: datetime
    last_alarm_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    updated_at: datetime
    version: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def escalated_to(self) -> str:
        """Who the incident is brought to now: its step on the escalation ladder."""
        return ESCALATION_LADDER[min(self.escalation_level, len(ESCALATION_LADDER) - 1)]


class AlarmView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    alarm_id: UUID
    category: str
    note: str | None = Field(None, description="Withheld for sensitive categories unless supervisor or admin")
    silent: bool
    raised_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None = Field(None, description="Withheld like the note")
    pressed_at: datetime | None
    delayed: bool
    battery_pct: int | None
    source: Literal["app", "sms"]
    location_last_known: bool


class LocationPoint(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    lat: float
    lon: float
    accuracy_m: float | None
    recorded_at: datetime


class Note(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author: str
    text: str
    created_at: datetime


class Snapshot(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    camera_id: str
    blob_ref: str
    snapshot_url: str | None
    distance_m: float | None
    motion_score: float | None
    captured_at: datetime


class IncidentDetail(Incident):
    """Bounded whatever the incident holds: the first alarms, the latest trail points and notes, the nearest
    snapshots; the list endpoints page the rest."""

    alarms: list[AlarmView] = Field(description="The first alarms (a page); alarms_next pages on")
    alarms_next: str | None = Field(description="Cursor for GET /v1/incidents/{id}/alarms?after=; null: all shown")
    trail: list[LocationPoint] = Field(description="The latest 500 points, oldest first; /trail pages them all")
    trail_more: bool = Field(False, description="Older points than these exist (GET /v1/incidents/{id}/trail)")
    notes: list[Note] = Field(description="The latest 100 notes, oldest first; /notes pages them all")
    notes_more: bool = Field(False, description="Older notes than these exist (GET /v1/incidents/{id}/notes)")
    snapshots: list[Snapshot] = Field(description="The 50 nearest snapshots")
    deliveries: list[DeliveryCount] = Field(
        description="How notifier's alerts about it went, counted per channel and state (each recipient's: "
                    "notifier's GET /v1/incidents/{id}/notifications)")


class IncidentPage(Page[Incident]):
    pass


class AlarmPage(Page[AlarmView]):
    pass


class LocationPage(Page[LocationPoint]):
    pass


class NotePage(Page[Note]):
    pass


class AssignRequest(BaseModel):
    unit_id: Annotated[str, Line(64)]


class StatusRequest(BaseModel):
    status: Literal["en_route", "on_scene", "resolved"]
    outcome: Annotated[str, Text(500)] | None = Field(None, description="Required when resolving: what happened")


class NoteCreate(BaseModel):
    text: Annotated[str, Text(2000)]


class ReopenRequest(BaseModel):
    reason: Annotated[str, Text(500)]
