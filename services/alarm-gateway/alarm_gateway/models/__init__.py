"""alarm-gateway's tables, all in the `alarm_gateway` schema."""

from typing import ClassVar

from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase

from kentongan.db import schema_metadata
from kentongan.inbox import inbox_table
from kentongan.outbox import outbox_table
from kentongan.placement import awaiting_table

SCHEMA = "alarm_gateway"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)
    __table__: ClassVar[Table]  # every model here maps one table (not any FromClause)


outbox = outbox_table(Base.metadata, source="/services/alarm-gateway")
inbox = inbox_table(Base.metadata)
# Each raised alarm's event, kept until an incident event says the alarm is placed (kentongan.placement).
awaiting = awaiting_table(Base.metadata)

from alarm_gateway.models.alarm import Alarm
from alarm_gateway.models.device import Device
from alarm_gateway.models.device_profile import DeviceProfile
from alarm_gateway.models.sms_message import InboundSms

__all__ = ["Alarm", "Base", "Device", "DeviceProfile", "InboundSms", "awaiting", "inbox", "outbox"]
