"""Partner agencies manage their own webhook subscriptions."""

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from kentongan.openapi import raises
from kentongan.paging import DEFAULT_PAGE, After, InvalidCursor, Limit, Page
from kentongan.security import CurrentPartner
from notifier.dependencies import SessionDep, SettingsDep
from notifier.subscriptions import service
from notifier.subscriptions.schemas import CreatedSubscription, Subscription, SubscriptionCreate

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])


@router.post("", status_code=201, response_model=CreatedSubscription,
             summary="Subscribe a webhook URL to event types; returns the signing secret once")
async def create_subscription(body: SubscriptionCreate, partner: CurrentPartner, session: SessionDep,
                              settings: SettingsDep, request: Request) -> CreatedSubscription:
    subscription, secret = await service.create(session, partner, body, settings, request.app.state.keyring)
    return CreatedSubscription(**Subscription.model_validate(subscription).model_dump(), secret=secret)


@router.get("", response_model=Page[Subscription], responses=raises(InvalidCursor),
            summary="This partner's active subscriptions, oldest first, a page at a time")
async def list_subscriptions(partner: CurrentPartner, session: SessionDep, limit: Limit = DEFAULT_PAGE,
                             after: After = None) -> dict[str, Any]:
    return await service.list_own(session, partner, limit, after)


@router.delete("/{subscription_id}", status_code=204, summary="Stop a subscription")
async def delete_subscription(subscription_id: UUID, partner: CurrentPartner, session: SessionDep) -> None:
    await service.deactivate(session, partner, subscription_id)
