"""notifier's tables, all in the `notifier` schema."""

from typing import ClassVar

from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase

from kentongan.db import schema_metadata
from kentongan.inbox import inbox_table
from kentongan.outbox import outbox_table

SCHEMA = "notifier"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)
    __table__: ClassVar[Table]  # every model here maps one table (not any FromClause)


outbox = outbox_table(Base.metadata, source="/services/notifier")
inbox = inbox_table(Base.metadata)

from notifier.models.alarm_device import AlarmDevice
from notifier.models.cap_alert import CapAlert
from notifier.models.delivery import Delivery, DeliveryAttempt
from notifier.models.delivery_receipt import DeliveryReceipt
from notifier.models.dev_message import DevMessage
from notifier.models.representative import Representative
from notifier.models.subscription import Subscription

__all__ = ["AlarmDevice", "Base", "CapAlert", "Delivery", "DeliveryAttempt", "DeliveryReceipt", "DevMessage",
           "Representative", "Subscription", "inbox", "outbox"]
