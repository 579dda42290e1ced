"""The partner agencies' API: their own referrals only (another agency's is a 404)."""

from typing import Literal
from uuid import UUID

from fastapi import APIRouter

from kentongan.events.referrals import ReferralStatus
from kentongan.openapi import raises
from kentongan.paging import After, InvalidCursor, Limit
from report_intake.dependencies import BusDep, KeyringDep, PartnerActor, SessionDep
from report_intake.messages.schemas import MessageCreate, MessageOut, MessagePage
from report_intake.referrals import service
from report_intake.referrals.errors import ReferralStateConflict
from report_intake.referrals.schemas import (
    AcceptBody,
    CloseBody,
    DeclineBody,
    ProgressBody,
    ReferralDetail,
    ReferralPage,
    ReferralSummary,
)

router = APIRouter(prefix="/v1/referrals", tags=["referrals"])
CONFLICT = raises(ReferralStateConflict)


@router.get("", response_model=ReferralPage, responses=raises(InvalidCursor),
            summary="This agency's referrals, newest first, a page at a time")
async def list_referrals(actor: PartnerActor, session: SessionDep, status: ReferralStatus | None = None,
                         limit: Limit = 50, after: After = None) -> ReferralPage:
    return await service.list_referrals(session, actor, status, limit, after)


@router.get("/{referral_id}", response_model=ReferralDetail, summary="One referral with the case (audited)")
async def get_referral(referral_id: UUID, actor: PartnerActor, session: SessionDep,
                       keyring: KeyringDep) -> ReferralDetail:
    return await service.read_referral(session, keyring, actor, referral_id)


@router.post("/{referral_id}/accept", response_model=ReferralSummary, responses=CONFLICT, summary="Take the case on")
async def accept(referral_id: UUID, actor: PartnerActor, session: SessionDep, keyring: KeyringDep, bus: BusDep,
                 body: AcceptBody | None = None) -> ReferralSummary:
    return await _step(session, keyring, bus, actor, referral_id, "accept", body or AcceptBody())


@router.post("/{referral_id}/decline", response_model=ReferralSummary, responses=CONFLICT, summary="Refuse the case, with the reason")
async def decline(referral_id: UUID, body: DeclineBody, actor: PartnerActor, session: SessionDep,
                  keyring: KeyringDep, bus: BusDep) -> ReferralSummary:
    return await _step(session, keyring, bus, actor, referral_id, "decline", body)


@router.post("/{referral_id}/progress", response_model=ReferralSummary, responses=CONFLICT, summary="Work on the case has started")
async def progress(referral_id: UUID, actor: PartnerActor, session: SessionDep, keyring: KeyringDep, bus: BusDep,
                   body: ProgressBody | None = None) -> ReferralSummary:
    return await _step(session, keyring, bus, actor, referral_id, "progress", body or ProgressBody())


@router.post("/{referral_id}/close", response_model=ReferralSummary, responses=CONFLICT, summary="Close the case, with the outcome")
async def close(referral_id: UUID, body: CloseBody, actor: PartnerActor, session: SessionDep,
                keyring: KeyringDep, bus: BusDep) -> ReferralSummary:
    return await _step(session, keyring, bus, actor, referral_id, "close", body)


@router.post("/{referral_id}/messages", status_code=201, response_model=MessageOut, responses=CONFLICT,
             summary="Write to the reporter through the platform")
async def post_message(referral_id: UUID, body: MessageCreate, actor: PartnerActor, session: SessionDep,
                       keyring: KeyringDep, bus: BusDep) -> MessageOut:
    return await service.post_message(session, keyring, bus, actor, referral_id, body.body)


@router.get("/{referral_id}/messages", response_model=MessagePage, responses=raises(InvalidCursor),
            summary="The reporter's messages and this agency's, oldest first, a page at a time (audited)")
async def read_referral_messages(referral_id: UUID, actor: PartnerActor, session: SessionDep,
                                 keyring: KeyringDep, limit: Limit = 50, after: After = None) -> MessagePage:
    return await service.read_messages(session, keyring, actor, referral_id, limit, after)


async def _step(session, keyring, bus, actor, referral_id: UUID,
                name: Literal["accept", "decline", "progress", "close"], body) -> ReferralSummary:
    return await service.step(session, keyring, bus, actor, referral_id, name, body.model_dump())
