"""dispatch's tables, all in the `dispatch` schema."""

from typing import ClassVar

from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase

from kentongan.db import schema_metadata
from kentongan.inbox import inbox_table
from kentongan.outbox import outbox_table

SCHEMA = "dispatch"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)
    __table__: ClassVar[Table]  # every model here maps one table (not any FromClause)


outbox = outbox_table(Base.metadata, source="/services/dispatch")
inbox = inbox_table(Base.metadata)

from dispatch.models.caller import CallbackAttempt, CallerProfile, CallerRead
from dispatch.models.incident import ACTIVE, Incident
from dispatch.models.incident_alarm import IncidentAlarm
from dispatch.models.incident_delivery import IncidentDelivery
from dispatch.models.incident_location import IncidentLocation
from dispatch.models.incident_note import IncidentNote
from dispatch.models.incident_report import IncidentReport
from dispatch.models.incident_snapshot import IncidentSnapshot
from dispatch.models.unit import Unit

__all__ = ["ACTIVE", "Base", "CallbackAttempt", "CallerProfile", "CallerRead", "Incident", "IncidentAlarm",
           "IncidentDelivery", "IncidentLocation", "IncidentNote", "IncidentReport", "IncidentSnapshot", "Unit",
           "inbox", "outbox"]
