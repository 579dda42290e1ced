"""What a reporter hears by SMS: that their case was referred, or that an agency answered.

Only with consent: `contact_me`, and a contact marked safe to use, with a phone. The event goes to
`reporter.updates.v1`, which only notifier reads, and says nothing about the case; notifier's text neither.
"""

from datetime import UTC, datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.bus_crypto import BusKeyring
from kentongan.datakeys import Sealer
from kentongan.events.reports import ReporterUpdate
from kentongan.outbox import add_event
from report_intake.cases.private import open_report, reachable_contact
from report_intake.cases.schemas import Contact
from report_intake.models import Report, outbox


async def tell_referred(session: AsyncSession, bus: BusKeyring, report: Report, contact: Contact | None) -> None:
    """Queue the "referred" update; callers send it once per report, however many agencies got the case."""
    await _tell(session, bus, report, "referred", contact)


async def tell_answered(session: AsyncSession, keyring: Sealer, bus: BusKeyring, report: Report) -> None:
    """Queue the "answered" update after an agency stepped a referral or wrote to the reporter."""
    await _tell(session, bus, report, "answered", _consented_contact(keyring, report))


def _consented_contact(keyring: Sealer, report: Report) -> Contact | None:
    if not report.consent_contact:
        return None  # no reason to open the sealed case at all
    # The service reads the phone for itself, no person sees the case: the audit log, which records who read
    # a case, gets no row.
    return reachable_contact(report, open_report(keyring, report))


async def _tell(session: AsyncSession, bus: BusKeyring, report: Report, update: Literal["referred", "answered"],
                contact: Contact | None) -> None:
    # SMS is the only channel notifier has to a reporter: an email-only contact hears nothing.
    if contact is None or not contact.phone:
        return
    await add_event(session, outbox, ReporterUpdate(report_id=report.id, update=update, at=datetime.now(UTC),
                                                    sms_to=bus.seal(ReporterUpdate, report.id, "sms_to", contact.phone)))
