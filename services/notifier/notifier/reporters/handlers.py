"""Reporter update -> one discreet SMS to the phone the reporter consented to be texted on.

The phone may be read by someone else, even by the person the report is about, so the text names no
category, no agency and nothing of the case: only that there is news, to be read in the app with the case
code (never sent by SMS). "referred" and "answered" therefore share one text; the app says which it was.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.bus_crypto import BusKeyring
from kentongan.crypto import Keyring
from kentongan.events import Envelope
from kentongan.events.reports import ReportErased, ReporterUpdate
from notifier import templates
from notifier.deliveries import repository as delivery_rows
from notifier.deliveries import service as deliveries


async def on_reporter_update(session: AsyncSession, envelope: Envelope, keyring: Keyring, bus: BusKeyring) -> None:
    """Queue the SMS, its phone (sealed on the bus) sealed again at rest; a redelivered event adds nothing."""
    update: ReporterUpdate = envelope.data  # type: ignore[assignment]
    recipient = f"reporter:{update.report_id}"
    await deliveries.enqueue(session, envelope, [deliveries.NewDelivery(
        purpose="reporter", recipient=recipient, channel="sms", target=bus.open(envelope, "sms_to"),
        payload=templates.render("reporter.news"), dedup_key=f"{envelope.id}|{recipient}|sms", confidential=True,
    )], keyring)


async def on_report_erased(session: AsyncSession, envelope: Envelope) -> None:
    """The reporter erased the case: the phone texted and the texts go; what was not sent yet is not sent."""
    erased: ReportErased = envelope.data  # type: ignore[assignment]
    await delivery_rows.forget_recipient(session, f"reporter:{erased.report_id}")
