"""report-intake: confidential case reports, triage, and referrals to partner agencies."""

from pathlib import Path

from fastapi import FastAPI

from kentongan.blobs import OBJECT_STORE_DOWN, blob_store_from_settings, close_at_shutdown
from kentongan.bus_crypto import BusKeyring
from kentongan.consumer import EventConsumer
from kentongan.crypto import Keyring
from kentongan.events import topics
from kentongan.outbox import OutboxRelay
from kentongan.placement import placement_worker
from kentongan.ratelimit import RateLimiter
from kentongan.service import ServiceSpec, create_service_app
from report_intake.attachments import router as attachments
from report_intake.attachments.service import Evidence
from report_intake.attachments.tus_router import router as tus_router
from report_intake.audit.router import router as audit_router
from report_intake.consumers import HANDLERS
from report_intake.models import SCHEMA, awaiting, inbox, outbox
from report_intake.referrals.router import router as referrals_router
from report_intake.reports.router import router as reports_router
from report_intake.reports.staff_router import router as staff_router
from report_intake.settings import Settings

SPEC = ServiceSpec(
    name="report-intake", schema=SCHEMA, port=8002, app="report_intake.main:create_app",
    migrations=Path(__file__).parent / "migrations",
    topics=(topics.REPORTS, topics.REFERRALS, topics.REPORTER_UPDATES, topics.INCIDENTS),
    consumes=(topics.INCIDENTS,), demo="report_intake.demo:load",
    data_keys="report_intake.cases.keys:DATA_KEYS",
)


async def relay_outbox(app: FastAPI) -> None:
    await OutboxRelay(settings=app.state.settings, sessionmaker=app.state.sessionmaker, outbox=outbox,
                      producer_factory=app.state.producer_factory).run()


async def consume_incidents(app: FastAPI) -> None:
    await EventConsumer(settings=app.state.settings, service=SPEC.name, group_id="report-intake",
                        topics=list(SPEC.consumes), handlers=HANDLERS, sessionmaker=app.state.sessionmaker,
                        inbox=inbox, health=app.state.health).run()


async def close_evidence_store(app: FastAPI) -> None:
    await close_at_shutdown(app.state.evidence.store)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_service_app(
        spec=SPEC, settings=settings,
        routers=[reports_router, staff_router, referrals_router, audit_router, attachments.reporter_router,
                 attachments.agency_router, attachments.staff_router, tus_router],
        workers=[relay_outbox, consume_incidents, placement_worker(awaiting), close_evidence_store],
        title="Kentongan report-intake",
        body_limits=upload_limits(settings),
        description="Confidential case reports (anonymous with a case token), triage and referrals to DP3A "
                    "and Disdik, with every read audited.",
    )
    app.state.keyring = Keyring.from_settings(settings)
    app.state.bus = BusKeyring.from_settings(settings)  # seals victim text and contacts in events
    app.state.source_key = app.state.keyring.derive_key("report-intake source fingerprint")
    app.state.report_limiter = RateLimiter(settings.reports_per_minute, 60)
    app.state.evidence = Evidence.from_settings(settings, blob_store_from_settings(settings))
    # Without it no evidence can be added or downloaded: not ready, as without the database.
    app.state.health.depend_on("blob_store", app.state.evidence.store.check, OBJECT_STORE_DOWN)
    return app


def upload_limits(settings: Settings) -> dict[str, int]:
    """Upload bodies may be large (the per-file limit is enforced as they stream, this is the backstop)."""
    multipart = settings.attachment_max_files * (settings.attachment_max_bytes + 64 * 1024)
    return {"/v1/reports/{report_id}/attachments": multipart,
            "/v1/reports/{report_id}/uploads/{upload_id}": settings.attachment_max_bytes}
