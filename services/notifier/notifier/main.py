"""notifier: the digital kentongan, citizen updates and partner-agency webhooks."""

from pathlib import Path

from fastapi import FastAPI

from kentongan.bus_crypto import BusKeyring
from kentongan.consumer import EventConsumer
from kentongan.crypto import Keyring
from kentongan.events import topics
from kentongan.outbound import outbound_client
from kentongan.outbox import OutboxRelay
from kentongan.service import ServiceSpec, create_service_app
from notifier.cap.router import router as cap_router
from notifier.channels.registry import build_channels
from notifier.consumers import handlers
from notifier.deliveries.receipts_router import router as receipts_router
from notifier.deliveries.router import incidents_router as incident_notifications_router
from notifier.deliveries.router import router as deliveries_router
from notifier.deliveries.worker import DeliveryWorker
from notifier.dev.router import router as dev_router
from notifier.models import SCHEMA, inbox, outbox
from notifier.representatives.router import router as representatives_router
from notifier.settings import Settings
from notifier.subscriptions.router import router as subscriptions_router
from notifier.webhook_urls import webhook_policy

# reports.v1 for erasures only (an urgent report's alert comes as its incident).
CONSUMED_TOPICS = (topics.INCIDENTS, topics.REFERRALS, topics.ALARMS, topics.REPORTER_UPDATES,
                   topics.DEVICE_MESSAGES, topics.REPORTS)
SPEC = ServiceSpec(
    name="notifier", schema=SCHEMA, port=8005, app="notifier.main:create_app",
    migrations=Path(__file__).parent / "migrations", topics=(*CONSUMED_TOPICS, topics.DELIVERIES),
    consumes=CONSUMED_TOPICS,
    demo="notifier.demo:load",
)


async def consume_events(app: FastAPI) -> None:
    await EventConsumer(settings=app.state.settings, service=SPEC.name, group_id=app.state.settings.consumer_group,
                        topics=list(CONSUMED_TOPICS),
                        handlers=handlers(app.state.settings, app.state.keyring, app.state.bus),
                        sessionmaker=app.state.sessionmaker,
                        inbox=inbox, health=app.state.health).run()


async def deliver(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    # Every request goes through the outbound policy, judged again at each connection (SSRF, DNS rebinding).
    # Webhooks and the providers (SMS, push) have separate pools, so a slow partner never starves the SMS.
    concurrency, timeout_s = settings.delivery_concurrency, settings.request_timeout_s
    async with (outbound_client(webhook_policy(settings), concurrency=concurrency, timeout_s=timeout_s) as webhooks,
                outbound_client(settings.outbound_policy(), concurrency=concurrency,
                                timeout_s=timeout_s) as providers):
        channels = build_channels(settings, webhooks, providers, app.state.sessionmaker, app.state.keyring)
        await DeliveryWorker(settings, app.state.sessionmaker, channels, app.state.keyring).run()


async def relay_events(app: FastAPI) -> None:
    """Publishes what notifier tells others (how the alerts about an incident went) from its outbox."""
    await OutboxRelay(settings=app.state.settings, sessionmaker=app.state.sessionmaker, outbox=outbox,
                      producer_factory=app.state.producer_factory, keep_published=False).run()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        spec=SPEC, settings=settings,
        routers=[representatives_router, subscriptions_router, deliveries_router, incident_notifications_router,
                 receipts_router, cap_router, dev_router],
        workers=[consume_events, deliver, relay_events], title="Kentongan notifier",
        description="Neighbourhood broadcast to RT representatives, citizen updates and signed partner webhooks.",
    )
    # Seals what is kept confidential at rest (a reporter's phone, a partner's payload) when queued; the
    # delivery worker opens it. The bus keyring opens the sealed fields of report-intake's events.
    app.state.keyring = Keyring.from_settings(settings)
    app.state.bus = BusKeyring.from_settings(settings)
    return app
