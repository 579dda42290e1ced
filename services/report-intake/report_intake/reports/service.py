"""The rules of case reports: intake with triage, the reporter's token, staff views by role, consent."""

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from kentongan.bus_crypto import BusKeyring
from kentongan.crypto import Keyring
from kentongan.db import get_for_update_or_404
from kentongan.events.reports import ReportUrgent
from kentongan.outbox import add_event
from kentongan.paging import page_of, parse_cursor
from kentongan.placement import await_placement
from kentongan.retention import ErasureConfirmation
from kentongan.security import Operator
from report_intake.audit.service import REPORTER, Actor, record
from report_intake.cases import updates
from report_intake.cases.errors import CaseErased, ReportNotFound
from report_intake.cases.keys import case_keyring, new_case_keyring
from report_intake.cases.private import open_report, reachable_contact
from report_intake.cases.service import case_for_token, report_for_staff
from report_intake.crypto import new_case_token, seal_json, token_digest
from report_intake.messages import service as messages
from report_intake.messages.schemas import MessageOut, MessagePage
from report_intake.models import Report, awaiting, outbox
from report_intake.referrals import repository as referrals_repository
from report_intake.referrals.service import Override, announce_reporter_message, open_referral
from report_intake.reports import repository
from report_intake.reports.erasure import erase_case
from report_intake.reports.errors import NothingToRelease
from report_intake.reports.schemas import (
    CaseStatus,
    ConsentOverride,
    ReferralProgress,
    ReportCreate,
    ReportDetail,
    ReportPage,
    ReportReceipt,
    ReportSummary,
)
from report_intake.triage.rules import agencies_for


async def submit(session: AsyncSession, keyring: Keyring, bus: BusKeyring, data: ReportCreate,
                 source: str | None = None) -> ReportReceipt:
    """Store the sealed case, refer it where triage says (with consent), and raise the alarm if urgent.
    `source` is the submitting client's keyed fingerprint (kept only on the urgent event)."""
    now = datetime.now(UTC)
    report_id, token = uuid7(), new_case_token()
    agencies = agencies_for(data)
    consented = data.consent.share_with_agencies
    case = new_case_keyring(session, keyring, report_id)
    sealed = seal_json(case, data.private_part(), report_id.bytes)
    report = Report(
        id=report_id, case_token_hash=token_digest(token), category=data.category, anonymous=data.anonymous,
        status=_initial_status(agencies, consented), immediate_danger=data.immediate_danger,
        victim_age_group=data.victim.age_group, area=data.location.area if data.location else None,
        consent_share=consented, consent_contact=data.consent.contact_me, triaged_agencies=agencies,
        key_id=sealed.key_id, sealed=sealed.blob, created_at=now, updated_at=now)
    session.add(report)
    contact = reachable_contact(report, data.private_part())
    if consented and agencies:
        for agency in agencies:
            await open_referral(session, case, bus, report, agency, contact)
        await updates.tell_referred(session, bus, report, contact)
    if data.immediate_danger:
        await _raise_urgent(session, report, data, source)
    await session.flush()
    return ReportReceipt(report_id=report_id, case_token=token)


def _initial_status(agencies: list[str], consented: bool) -> str:
    if not agencies:
        return "received"
    return "referred" if consented else "awaiting_consent"


async def _raise_urgent(session: AsyncSession, report: Report, data: ReportCreate,
                        source: str | None) -> None:
    # Safety first: this goes to dispatch whatever the consent, and carries no story and no identity. The
    # reporter proved no identity, so dispatch merges a burst from one source and notifier holds the
    # broadcast.
    location = data.location
    envelope = await add_event(session, outbox, ReportUrgent(
        report_id=report.id, category=report.category, lat=location and location.lat,
        lon=location and location.lon, area=report.area, reported_at=report.created_at, authenticated=False,
        source_fingerprint=source))
    # Published again until dispatch's incident for it is seen: a broker can lose what it acknowledged.
    await await_placement(session, awaiting, outbox, [envelope])


async def erase_on_request(session: AsyncSession, report_id: UUID, token: str | None,
                           request: ErasureConfirmation) -> list[str]:
    """The reporter withdraws and erases the case (`request` is the confirmation); see
    report_intake.reports.erasure. Returns its attachments' object keys, to delete after the commit."""
    return await erase_case(session, await case_for_token(session, report_id, token, for_update=True))


async def case_status(session: AsyncSession, report_id: UUID, token: str | None) -> CaseStatus:
    """The case's progress as its reporter sees it (audited)."""
    report = await case_for_token(session, report_id, token)
    await record(session, REPORTER, "report.status.read", "report", [report.id])
    referrals = await referrals_repository.list_for_report(session, report.id)
    return CaseStatus(report_id=report.id, category=report.category, status=report.status,
                      created_at=report.created_at, referrals=[_progress(r) for r in referrals])


async def reporter_messages(session: AsyncSession, keyring: Keyring, report_id: UUID, token: str | None,
                            limit: int, after: str | None) -> MessagePage:
    """A page of the case's messages, oldest first, as its reporter sees them (audited)."""
    report = await case_for_token(session, report_id, token)
    await record(session, REPORTER, "report.messages.read", "report", [report.id])
    case = await case_keyring(session, keyring, report)
    return await messages.thread(session, case, report.id, limit, after)


async def reporter_writes(session: AsyncSession, keyring: Keyring, report_id: UUID, token: str | None,
                          body: str) -> MessageOut:
    """The reporter writes to the case workers; agencies holding the case hear of it on `referrals.v1`."""
    report = await case_for_token(session, report_id, token)
    message = await messages.post(session, await case_keyring(session, keyring, report), report.id, "reporter",
                                  body)
    await announce_reporter_message(session, report, message)
    return message


async def list_for_staff(session: AsyncSession, actor: Actor, status: str | None, category: str | None,
                         limit: int, after: str | None) -> ReportPage:
    """A page of reports' metadata for any operator, newest first (each listed report is an audited read)."""
    rows = await repository.list_recent(session, status, category, limit,
                                        parse_cursor(after, datetime, UUID) if after else None)
    page = page_of(rows, limit, lambda report: (report.created_at, report.id))
    await record(session, actor, "report.list", "report", [report.id for report in page["items"]])
    return ReportPage.model_validate(page)


async def read_for_staff(session: AsyncSession, keyring: Keyring, actor: Actor, operator: Operator,
                         report_id: UUID) -> ReportSummary | ReportDetail:
    """Operators see metadata; supervisors and admins see the decrypted case. Both reads are audited."""
    report = await report_for_staff(session, report_id)
    if not operator.has_role("supervisor") or report.erased_at is not None:
        await record(session, actor, "report.metadata.read", "report", [report.id])
        return ReportSummary.model_validate(report)
    await record(session, actor, "report.detail.read", "report", [report.id])
    referrals = await referrals_repository.list_for_report(session, report.id)
    private = open_report(await case_keyring(session, keyring, report), report)
    return ReportDetail(**ReportSummary.model_validate(report).model_dump(), **private,
                        referrals=[_progress(r) for r in referrals])


async def release_without_consent(session: AsyncSession, keyring: Keyring, bus: BusKeyring, actor: Actor,
                                  report_id: UUID, data: ConsentOverride) -> list[ReferralProgress]:
    """A supervisor refers a case the reporter did not consent to share; who and why are recorded."""
    report = await get_for_update_or_404(session, Report, report_id, ReportNotFound())
    if report.erased_at is not None:
        raise CaseErased()
    existing = {r.agency for r in await referrals_repository.list_for_report(session, report.id)}
    agencies = [a for a in (data.agencies or report.triaged_agencies) if a not in existing]
    if not agencies:
        raise NothingToRelease()
    case = await case_keyring(session, keyring, report)
    contact = reachable_contact(report, open_report(case, report))
    override = Override(by=actor.name, reason=data.reason)
    referrals = [await open_referral(session, case, bus, report, agency, contact, override)
                 for agency in agencies]
    if not existing:  # the reporter already heard of the first referral; a later agency adds no update
        await updates.tell_referred(session, bus, report, contact)
    report.status = "referred"
    await record(session, Actor(actor.kind, actor.name, data.reason, keyring=keyring), "report.consent_override",
                 "report", [report.id])
    await session.flush()
    return [_progress(r) for r in referrals]


def _progress(referral) -> ReferralProgress:
    return ReferralProgress(agency=referral.agency, status=referral.status, updated_at=referral.updated_at)
