"""The rules of subscriptions: partner event types only, safe URLs, a fresh secret, own subscriptions only."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from kentongan.crypto import Keyring
from kentongan.events.envelope import EventModel
from kentongan.events.topics import REFERRALS
from kentongan.paging import page_of, parse_cursor
from kentongan.security import Partner
from notifier.models import Subscription
from notifier.settings import Settings
from notifier.subscriptions import repository
from notifier.subscriptions.errors import SubscriptionNotFound, UnknownEventTypes
from notifier.subscriptions.schemas import SubscriptionCreate
from notifier.subscriptions.secrets import new_secret, seal_secret
from notifier.webhook_urls import check_webhook_url


def _event_types_on(topic: str) -> set[str]:
    found, pending = set(), list(EventModel.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        if "ce_type" in model.__dict__ and model.topic == topic:
            found.add(model.ce_type)
    return found


def partner_event_types() -> set[str]:
    """What partners may subscribe to: every event on the referrals topic (nothing about incidents)."""
    return _event_types_on(REFERRALS)


async def create(session: AsyncSession, partner: Partner, data: SubscriptionCreate, settings: Settings,
                 keyring: Keyring) -> tuple[Subscription, str]:
    """A subscription for the partner's agency, and its new signing secret (stored sealed, shown once)."""
    allowed = partner_event_types()
    unknown = sorted(set(data.event_types) - allowed)
    if unknown:
        raise UnknownEventTypes(f"event_types: {', '.join(unknown)} not available; choose from "
                                f"{', '.join(sorted(allowed))}")
    await check_webhook_url(data.url, "url", settings)
    subscription_id, secret = uuid7(), new_secret()
    sealed, key_id = seal_secret(keyring, subscription_id, secret)
    subscription = Subscription(id=subscription_id, agency=partner.agency, url=data.url, active=True,
                                event_types=sorted(set(data.event_types)), secret=sealed,
                                secret_key_id=key_id)
    session.add(subscription)
    await session.flush()
    await session.refresh(subscription)
    return subscription, secret


async def list_own(session: AsyncSession, partner: Partner, limit: int, after: str | None) -> dict[str, Any]:
    """A page of the partner's active subscriptions, oldest first (the body of a Page[Subscription])."""
    rows = await repository.list_for_agency(session, partner.agency, limit,
                                            parse_cursor(after, datetime, UUID) if after else None)
    return page_of(rows, limit, lambda subscription: (subscription.created_at, subscription.id))


async def deactivate(session: AsyncSession, partner: Partner, subscription_id: UUID) -> None:
    """Stop deliveries to a subscription (its delivery history stays)."""
    subscription = await repository.get_for_agency(session, subscription_id, partner.agency)
    if subscription is None:
        raise SubscriptionNotFound()
    subscription.active = False
    await session.flush()
