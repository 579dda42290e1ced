"""report-intake's tables, all in the `report_intake` schema."""

from typing import ClassVar

from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase

from kentongan.db import schema_metadata
from kentongan.inbox import inbox_table
from kentongan.outbox import outbox_table
from kentongan.placement import awaiting_table

SCHEMA = "report_intake"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)
    __table__: ClassVar[Table]  # every model here maps one table (not any FromClause)


outbox = outbox_table(Base.metadata, source="/services/report-intake")
inbox = inbox_table(Base.metadata)
# Each urgent report's event, kept until dispatch's incident for it is seen (kentongan.placement).
awaiting = awaiting_table(Base.metadata)

from report_intake.models.attachment import Attachment
from report_intake.models.attachment_upload import AttachmentUpload
from report_intake.models.audit_entry import AuditEntry
from report_intake.models.case_key import CaseKey
from report_intake.models.message import Message
from report_intake.models.referral import Referral
from report_intake.models.report import Report

__all__ = ["Attachment", "AttachmentUpload", "AuditEntry", "Base", "CaseKey", "Message", "Referral", "Report", "awaiting", "inbox", "outbox"]
