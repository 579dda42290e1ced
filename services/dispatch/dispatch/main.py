"""dispatch: the operators' API, fed by alarms, urgent reports, CCTV snapshots and how alerts were delivered."""

from pathlib import Path

from fastapi import FastAPI

from dispatch.callers.router import router as callers_router
from dispatch.console.router import install_console
from dispatch.consumers import event_handlers, redelivery_handlers
from dispatch.incidents.escalation import escalate_forever
from dispatch.incidents.fallback import fallback_opener
from dispatch.incidents.router import router as incidents_router
from dispatch.incidents.stream import IncidentBroadcaster
from dispatch.models import SCHEMA, inbox, outbox
from dispatch.settings import Settings
from dispatch.units.router import router as units_router
from kentongan.callers import caller_keyring
from kentongan.consumer import EventConsumer
from kentongan.crypto import Keyring
from kentongan.events import topics
from kentongan.outbox import OutboxRelay
from kentongan.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    name="dispatch", schema=SCHEMA, port=8004, app="dispatch.main:create_app",
    migrations=Path(__file__).parent / "migrations",
    topics=(topics.ALARMS, topics.REPORTS, topics.CCTV_SNAPSHOTS, topics.INCIDENTS, topics.DELIVERIES),
    consumes=(topics.ALARMS, topics.REPORTS, topics.CCTV_SNAPSHOTS, topics.DELIVERIES),
    demo="dispatch.demo:load",
)


async def relay_outbox(app: FastAPI) -> None:
    # Published changes stay (KENTONGAN_RETENTION_OUTBOX_DAYS): a console reconnecting with Last-Event-ID is
    # sent what it missed from them.
    await OutboxRelay(settings=app.state.settings, sessionmaker=app.state.sessionmaker, outbox=outbox,
                      producer_factory=app.state.producer_factory).run()


async def consume_events(app: FastAPI) -> None:
    await EventConsumer(settings=app.state.settings, service=SPEC.name, group_id="dispatch",
                        topics=list(SPEC.consumes),
                        handlers=event_handlers(app.state.settings), sessionmaker=app.state.sessionmaker,
                        inbox=inbox, on_dead_letter=fallback_opener(app.state.sessionmaker),
                        on_redelivery=redelivery_handlers(),
                        health=app.state.health).run()


async def broadcast_changes(app: FastAPI) -> None:
    await app.state.broadcaster.run(app.state.settings.database_url, app.state.sessionmaker)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        spec=SPEC, settings=settings, routers=[incidents_router, callers_router, units_router],
        workers=[relay_outbox, consume_events, broadcast_changes, escalate_forever],
        title="Kentongan dispatch",
        description="Incidents, the operators' queue and live stream, unit assignment, escalation.",
    )
    app.state.caller_keyring = caller_keyring(settings)
    app.state.broadcaster = IncidentBroadcaster(settings.stream_queue_size)
    app.state.keyring = Keyring.from_settings(settings)  # opens the callers' notes for those who may read them
    install_console(app)
    return app
