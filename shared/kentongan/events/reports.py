"""Events of case reports, produced by report-intake on `reports.v1` (key: report id).

Only urgent reports travel to dispatch, and only what a patrol needs: no narrative, no identity.
"""

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from kentongan.events import topics
from kentongan.events.envelope import EventModel


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
