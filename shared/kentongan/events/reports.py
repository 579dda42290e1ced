"""Events of case reports, produced by report-intake on `reports.v1` and `reporter.updates.v1` (key: report id).

Only urgent reports travel to dispatch, and only what a patrol needs: no narrative, no identity. An erased case
is announced on `reports.v1` too (its id only), for dispatch and notifier to drop their copies.
"""

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from kentongan.events import topics
from kentongan.events.envelope import EventModel
from kentongan.events.sealed import SealedField

# What a report is about (report-intake's form); the urgent ones become incidents of the same category.
ReportCategory = Literal["sexual_violence", "domestic_violence", "child_abuse", "bullying", "other"]


class ReportUrgent(EventModel):
    """A reporter said they are in immediate danger: dispatch opens an incident."""

    topic: ClassVar[str] = topics.REPORTS
    key_field: ClassVar[str] = "report_id"
    ce_type: ClassVar[str] = "kentongan.report.urgent"

    report_id: UUID
    category: str
    lat: float | None = None
    lon: float | None = None
    area: str | None = None
    reported_at: datetime
    # Whether the reporter proved who they are; the public report API is anonymous, so today never.
    authenticated: bool = False
    # Where an unauthenticated report came from, as a keyed hash (never the address): dispatch merges a burst
    # of urgent reports from one source into one incident.
    source_fingerprint: str | None = None


class ReporterUpdate(EventModel):
    """Tell the reporter by SMS that their case was referred or answered; only with their consent.

    It carries the reporter's phone (sealed, kentongan.bus_crypto), so it has a topic of its own that only
    notifier may read: partners subscribe to referral events and dispatch reads `reports.v1`, and neither may
    ever see the number. It says
    nothing about the case (no category, no agency): the SMS must not either.
    """

    topic: ClassVar[str] = topics.REPORTER_UPDATES
    key_field: ClassVar[str] = "report_id"
    ce_type: ClassVar[str] = "kentongan.report.reporter_update"

    report_id: UUID
    update: Literal["referred", "answered"]
    sms_to: SealedField  # the phone, sealed
    at: datetime


class ReportErased(EventModel):
    """The reporter withdrew and erased the case (`DELETE /v1/reports/{id}`): drop what links to the reporter
    (the source fingerprint, the phone texted); keep the incident anonymous, for statistics."""

    topic: ClassVar[str] = topics.REPORTS
    key_field: ClassVar[str] = "report_id"
    ce_type: ClassVar[str] = "kentongan.report.erased"

    report_id: UUID
    erased_at: datetime
