"""Erasing a case on the reporter's request (with the case token). Retention ends a quiet case the same way
in SQL (kentongan.retention: its data key, messages and sealed parts go, a statistical row stays).

The case's data key is destroyed (crypto-shredding: every copy of its ciphertext, backups included, stops
opening), its sealed content, messages and the published events about it are deleted, its referrals are
withdrawn with an event telling each agency to erase its copy, its attachments' objects deleted,
`kentongan.report.erased` (the id only) tells dispatch and notifier to drop theirs, and the audit log keeps
that all this happened, not what it held. What stays is the statistical row: category, victim age group,
kelurahan/kecamatan, dates.
"""

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import and_, delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.events import topics
from kentongan.events.reports import ReportErased
from kentongan.outbox import add_event
from report_intake.attachments import repository as attachments
from report_intake.audit.service import REPORTER, Actor, forget_what_it_held, record
from report_intake.cases import keys
from report_intake.messages import repository as messages
from report_intake.models import Report, outbox
from report_intake.referrals.service import withdraw_all

ERASED_TOKEN = b"\0" * 32  # no case token hashes to this: the erased case answers 404 like any unknown one


async def erase_case(session: AsyncSession, report: Report, actor: Actor = REPORTER) -> list[str]:
    """Erase `report` (locked by the caller) in the current transaction; the object keys of its attachments,
    for the caller to delete once the transaction committed (sealed with the destroyed key, they are noise
    already)."""
    referral_ids = await withdraw_all(session, report, "erasure_requested")
    await messages.delete_for_report(session, report.id)
    attachment_ids, object_keys = await attachments.forget_for_report(session, report.id)
    await keys.destroy(session, report.id)
    await _delete_published_events(session, [report.id, *referral_ids])
    await forget_what_it_held(session, [report.id, *referral_ids, *attachment_ids])
    report.status, report.key_id, report.sealed = "erased", None, None
    report.case_token_hash, report.erased_at = ERASED_TOKEN, datetime.now(UTC)
    await add_event(session, outbox, ReportErased(report_id=report.id, erased_at=report.erased_at))
    await record(session, actor, "report.erased", "report", [report.id])
    await session.flush()
    return object_keys


async def _delete_published_events(session: AsyncSession, keys_: list[UUID]) -> None:
    # Published events may hold the case's sealed contact or notes (bus keyring): gone with the case. Pending
    # ones, the withdrawals among them, are still sent, except an SMS to the reporter that there is news on a
    # case that no longer exists (it would reach notifier after the erasure, on its own topic).
    await session.execute(delete(outbox).where(outbox.c.key.in_([str(key) for key in keys_]), or_(
        outbox.c.published_at.is_not(None),
        and_(outbox.c.topic == topics.REPORTER_UPDATES, outbox.c.published_at.is_(None)))))
