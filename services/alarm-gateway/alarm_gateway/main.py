"""alarm-gateway: the mobile app's panic-alarm API."""

from functools import partial
from pathlib import Path

from fastapi import FastAPI
from standardwebhooks.webhooks import Webhook

from alarm_gateway import alarms, devices  # noqa: F401
from alarm_gateway.alarms.router import router as alarms_router
from alarm_gateway.alarms.service import raise_alarms
from alarm_gateway.consumers import event_handlers
from alarm_gateway.devices.router import blocks_router
from alarm_gateway.devices.router import router as devices_router
from alarm_gateway.models import SCHEMA, awaiting, inbox, outbox
from alarm_gateway.pins.router import router as pins_router
from alarm_gateway.profiles.keys import ProfileKeys
from alarm_gateway.profiles.router import router as profiles_router
from alarm_gateway.settings import Settings
from alarm_gateway.sms.router import router as sms_router
from kentongan.bus_crypto import BusKeyring
from kentongan.consumer import EventConsumer
from kentongan.crypto import Keyring
from kentongan.events import topics
from kentongan.group_commit import GroupCommit
from kentongan.outbox import OutboxRelay
from kentongan.placement import placement_worker
from kentongan.ratelimit import RateLimiter
from kentongan.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="alarm-gateway", schema=SCHEMA, port=8001, app="alarm_gateway.main:create_app",
    migrations=Path(__file__).parent / "migrations", topics=(topics.ALARMS, topics.INCIDENTS, topics.DEVICE_MESSAGES),
    consumes=(topics.INCIDENTS,),
)


async def relay_outbox(app: FastAPI) -> None:
    # Nothing reads an alarm's event here once it is on the broker: its row goes as soon as it is published.
    await OutboxRelay(settings=app.state.settings, sessionmaker=app.state.sessionmaker, outbox=outbox,
                      producer_factory=app.state.producer_factory, keep_published=False).run()


async def consume_incidents(app: FastAPI) -> None:
    await EventConsumer(settings=app.state.settings, service=SPEC.name, group_id="alarm-gateway",
                        topics=list(SPEC.consumes), handlers=event_handlers(app.state.profile_keys),
                        sessionmaker=app.state.sessionmaker, inbox=inbox, health=app.state.health).run()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        spec=SPEC, settings=settings,
        routers=[alarms_router, devices_router, profiles_router, pins_router, blocks_router, sms_router],
        workers=[relay_outbox, consume_incidents, placement_worker(awaiting)], title="Kentongan alarm-gateway",
        description="Panic alarms from the mobile app: raise, live location, cancel, status.",
    )
    # New alarms are written in group commits: one transaction for the alarms that arrive together.
    app.state.keyring = Keyring.from_settings(settings)  # the caller's note at rest
    app.state.bus = BusKeyring.from_settings(settings)  # the caller's note in the alarm's event
    app.state.alarm_intake = GroupCommit("alarms", lambda: app.state.sessionmaker(),
                                         partial(raise_alarms, settings=settings, keyring=app.state.keyring,
                                                 bus=app.state.bus))
    app.state.profile_keys = ProfileKeys.from_settings(settings)
    app.state.sms_webhook = Webhook(settings.sms_inbound_secret.get_secret_value())
    app.state.device_limiter = RateLimiter(settings.device_requests_per_minute, 60)
    app.state.registration_limiter = RateLimiter(settings.registrations_per_minute, 60)
    return app
