"""Partner agencies manage their own webhook subscriptions."""

from uuid import UUID

from fastapi import APIRouter, Request

from kentongan.security import CurrentPartner
from notifier.dependencies import SessionDep, SettingsDep
from notifier.models.subscription import Subscription as SubscriptionRow
from notifier.subscriptions import service
from notifier.subscriptions.schemas import CreatedSubscription, Subscription, SubscriptionCreate

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])


@router.post("", status_code=201, response_model=CreatedSubscription,
             summary="Subscribe a webhook URL to event types; returns the signing secret once")
async def create_subscription(body: SubscriptionCreate, partner: CurrentPartner, session: SessionDep,
                              settings: SettingsDep, request: Request) -> CreatedSubscription:
    subscription, secret = await service.create(session, partner, body, settings, request.app.state.keyring)
    return CreatedSubscription(**Subscription.model_validate(subscription).model_dump(), secret=secret)


@router.get("", response_model=list[Subscription], summary="This partner's active subscriptions")
async def list_subscriptions(partner: CurrentPartner, session: SessionDep) -> list[SubscriptionRow]:
    return await service.list_own(session, partner)


@router.delete("/{subscription_id}", status_code=204, summary="Stop a subscription")
async def delete_subscription(subscription_id: UUID, partner: CurrentPartner, session: SessionDep) -> None:
    await service.deactivate(session, partner, subscription_id)
