"""The rules of referrals: opening one per agency, the lifecycle steps, and what an agency may read."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from kentongan.bus_crypto import BusKeyring
from kentongan.crypto import Keyring
from kentongan.datakeys import Sealer
from kentongan.events import EventModel
from kentongan.events.referrals import (
    ReferralAccepted,
    ReferralAttachmentAdded,
    ReferralClosed,
    ReferralCreated,
    ReferralDeclined,
    ReferralInProgress,
    ReferralMessagePosted,
    ReferralWithdrawn,
    ReporterContact,
)
from kentongan.outbox import add_event
from kentongan.paging import page_of, parse_cursor
from report_intake.audit.service import Actor, record
from report_intake.cases import updates
from report_intake.cases.keys import case_keyring
from report_intake.cases.private import open_report, reachable_contact
from report_intake.cases.schemas import Contact
from report_intake.crypto import open_json, seal_json
from report_intake.messages import service as messages
from report_intake.messages.schemas import MessageOut, MessagePage
from report_intake.models import Referral, Report, outbox
from report_intake.referrals import repository
from report_intake.referrals.errors import ReferralNotFound, ReferralStateConflict
from report_intake.referrals.schemas import ReferralDetail, ReferralPage, ReferralSummary, Step


@dataclass(frozen=True)
class Transition:
    allowed_from: frozenset[str]
    to: str
    event: type[EventModel]


# The lifecycle as data: created -> accepted | declined -> in_progress -> closed.
TRANSITIONS: dict[Step, Transition] = {
    "accept": Transition(frozenset({"created"}), "accepted", ReferralAccepted),
    "decline": Transition(frozenset({"created"}), "declined", ReferralDeclined),
    "progress": Transition(frozenset({"accepted"}), "in_progress", ReferralInProgress),
    "close": Transition(frozenset({"in_progress"}), "closed", ReferralClosed),
}
# Body fields kept apart in the sealed part, besides the timeline entry (decline reason, outcome).
KEPT_FIELDS = {"reason": "decline_reason", "outcome": "outcome"}
OPEN_FOR_MESSAGES = frozenset({"created", "accepted", "in_progress"})


@dataclass(frozen=True)
class Override:
    """A supervisor releasing a case without the reporter's consent."""

    by: str
    reason: str


async def open_referral(session: AsyncSession, keyring: Sealer, bus: BusKeyring, report: Report, agency: str,
                        contact: Contact | None, override: Override | None = None) -> Referral:
    """Hand the case to one agency and announce it on `referrals.v1` (minimum necessary data; the reporter's
    contact sealed). `keyring`: the case's."""
    now = datetime.now(UTC)
    by = override.by if override else "triage"
    referral = Referral(id=uuid7(), report=report, agency=agency, status="created", version=1,
                        consent_override_by=override and override.by, created_at=now, updated_at=now)
    _seal_private(keyring, referral, {"timeline": [_entry("created", now, by)], "decline_reason": None,
                                      "outcome": None, "consent_override_reason": override and override.reason})
    session.add(referral)
    sealed_contact = contact and bus.seal(ReferralCreated, referral.id, "contact", ReporterContact(
        phone=contact.phone, email=contact.email).model_dump(mode="json"))
    await add_event(session, outbox, ReferralCreated(
        referral_id=referral.id, report_id=report.id, agency=agency, status="created", changed_at=now, version=1,
        category=report.category, victim_age_group=report.victim_age_group, area=report.area,
        immediate_danger=report.immediate_danger, consent_override=override is not None, contact=sealed_contact,
    ))
    return referral


async def withdraw_all(session: AsyncSession, report: Report,
                       reason: Literal["erasure_requested"]) -> list[UUID]:
    """The case is erased: each referral keeps only its status "withdrawn" (what was written on it is dropped)
    and its agency is told, through the outbox, to erase its own copy. Returns the referral ids."""
    now = datetime.now(UTC)
    referrals = await repository.list_for_report(session, report.id, for_update=True)
    for referral in referrals:
        referral.status, referral.key_id, referral.sealed = "withdrawn", None, None
        referral.version += 1
        referral.updated_at = now
        await add_event(session, outbox, ReferralWithdrawn(
            referral_id=referral.id, report_id=report.id, agency=referral.agency, status="withdrawn",
            changed_at=now, version=referral.version, reason=reason))
    return [referral.id for referral in referrals]


async def step(session: AsyncSession, keyring: Keyring, bus: BusKeyring, actor: Actor, referral_id: UUID,
               name: Step, body: dict) -> ReferralSummary:
    """Move the agency's referral one step along its lifecycle (the reporter hears the case was answered);
    409 when the step is not allowed now."""
    referral, report = await _owned(session, actor, referral_id, for_update=True)
    transition = TRANSITIONS[name]
    if referral.status not in transition.allowed_from:
        raise ReferralStateConflict(f"cannot {name} a referral that is {referral.status}")
    case = await case_keyring(session, keyring, report)
    now = datetime.now(UTC)
    details = {k: v for k, v in body.items() if v is not None}
    referral.status = transition.to
    referral.version += 1
    referral.updated_at = now
    private = _open_private(case, referral)
    private["timeline"] = [*private["timeline"], _entry(transition.to, now, actor.name, **details)]
    private.update({kept: details[field] for field, kept in KEPT_FIELDS.items() if field in details})
    _seal_private(case, referral, private)
    # Every text the event carries is the agency's free text about the case: it travels sealed.
    extra = {k: bus.seal(transition.event, referral.id, k, v) for k, v in details.items()
             if k in transition.event.model_fields}
    await add_event(session, outbox, transition.event(
        referral_id=referral.id, report_id=report.id, agency=referral.agency, status=referral.status,
        changed_at=now, version=referral.version, **extra))
    await updates.tell_answered(session, case, bus, report)
    await record(session, actor, f"referral.{name}", "referral", [referral.id])
    await session.flush()
    return _summary(referral, report)


async def list_referrals(session: AsyncSession, actor: Actor, status: str | None, limit: int,
                         after: str | None) -> ReferralPage:
    """A page of the agency's own referrals, newest first (each listed referral is an audited read)."""
    rows = await repository.list_for_agency(session, _agency_of(actor), status, limit,
                                            parse_cursor(after, datetime, UUID) if after else None)
    page = page_of(rows, limit, lambda row: (row[0].created_at, row[0].id))
    await record(session, actor, "referral.list", "referral", [referral.id for referral, _ in page["items"]])
    return ReferralPage(items=[_summary(referral, report) for referral, report in page["items"]], next=page["next"])


async def read_referral(session: AsyncSession, keyring: Keyring, actor: Actor, referral_id: UUID) -> ReferralDetail:
    """The agency's referral with the case decrypted; another agency's is a 404."""
    referral, report = await _owned(session, actor, referral_id)
    case = await case_keyring(session, keyring, report)
    private, notes = open_report(case, report), _open_private(case, referral)
    await record(session, actor, "referral.read", "referral", [referral.id])
    victim = private["victim"]
    return ReferralDetail(
        **_summary(referral, report).model_dump(), narrative=private["narrative"],
        occurred_at=private["occurred_at"], victim_gender=victim.get("gender"),
        perpetrator_relation=private["perpetrator_relation"], school=private["school"],
        contact=reachable_contact(report, private), decline_reason=notes["decline_reason"],
        outcome=notes["outcome"], timeline=notes["timeline"])


async def post_message(session: AsyncSession, keyring: Keyring, bus: BusKeyring, actor: Actor, referral_id: UUID,
                       body: str) -> MessageOut:
    """A case worker writes to the reporter through the platform (while the referral is open); the reporter
    hears the case was answered."""
    referral, report = await _owned(session, actor, referral_id)
    if referral.status not in OPEN_FOR_MESSAGES:
        raise ReferralStateConflict(f"the referral is {referral.status}; messages are closed")
    case = await case_keyring(session, keyring, report)
    message = await messages.post(session, case, report.id, referral.agency, body)
    await updates.tell_answered(session, case, bus, report)
    return message


async def announce_reporter_message(session: AsyncSession, report: Report, message: MessageOut) -> None:
    """Tell every agency still working the case that the reporter wrote (the text is not in the event)."""
    for referral in await repository.list_for_report(session, report.id):
        if referral.status in OPEN_FOR_MESSAGES:
            await add_event(session, outbox, ReferralMessagePosted(
                referral_id=referral.id, report_id=report.id, agency=referral.agency, status=referral.status,
                changed_at=message.created_at, version=referral.version, message_id=message.id))


async def announce_attachment(session: AsyncSession, report: Report, attachment_id: UUID, at: datetime) -> None:
    """Tell every agency still working the case that the reporter added evidence (ids only)."""
    for referral in await repository.list_for_report(session, report.id):
        if referral.status in OPEN_FOR_MESSAGES:
            await add_event(session, outbox, ReferralAttachmentAdded(
                referral_id=referral.id, report_id=report.id, agency=referral.agency, status=referral.status,
                changed_at=at, version=referral.version, attachment_id=attachment_id))


async def read_messages(session: AsyncSession, keyring: Keyring, actor: Actor, referral_id: UUID, limit: int,
                        after: str | None) -> MessagePage:
    """A page of the reporter's messages and this agency's own, never another agency's."""
    referral, report = await _owned(session, actor, referral_id)
    await record(session, actor, "referral.messages.read", "referral", [referral.id])
    case = await case_keyring(session, keyring, report)
    return await messages.thread(session, case, report.id, limit, after, ["reporter", referral.agency])


async def _owned(session: AsyncSession, actor: Actor, referral_id: UUID,
                 for_update: bool = False) -> tuple[Referral, Report]:
    found = await repository.get_for_agency(session, referral_id, _agency_of(actor), for_update)
    if found is None:
        raise ReferralNotFound()
    return found


def _summary(referral: Referral, report: Report) -> ReferralSummary:
    return ReferralSummary(
        id=referral.id, report_id=report.id, agency=referral.agency, status=referral.status,
        category=report.category,
        immediate_danger=report.immediate_danger, victim_age_group=report.victim_age_group, area=report.area,
        consent_override=referral.consent_override_by is not None, created_at=referral.created_at,
        updated_at=referral.updated_at, version=referral.version)


def _open_private(keyring: Sealer, referral: Referral) -> dict:
    """The referral's sealed part: its timeline with notes, decline reason, outcome, override reason."""
    if referral.key_id is None or referral.sealed is None:
        raise ReferralNotFound()  # withdrawn with its case's erasure
    return open_json(keyring, referral.key_id, referral.sealed, referral.id.bytes)


def _seal_private(keyring: Sealer, referral: Referral, private: dict) -> None:
    sealed = seal_json(keyring, private, referral.id.bytes)
    referral.key_id, referral.sealed = sealed.key_id, sealed.blob


def _entry(status: str, at: datetime, by: str, **details: str) -> dict:
    return {"status": status, "at": at.isoformat(), "by": by, **details}


def _agency_of(actor: Actor) -> str:
    """A partner actor's agency (its token always names one); an actor without one sees no referral."""
    if actor.agency is None:
        raise ReferralNotFound()
    return actor.agency
