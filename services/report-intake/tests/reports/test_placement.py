"""An urgent report's event is kept for a re-send until dispatch's incident for that report is seen open."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

from sqlalchemy import text

from kentongan.db import create_sessionmaker, unit_of_work
from kentongan.events import Envelope
from kentongan.events.incidents import IncidentOpened
from report_intake.consumers import HANDLERS


async def _kept(database, report_id: str) -> int:
    async with database.connect() as conn:
        return await conn.scalar(text("SELECT count(*) FROM report_intake.awaiting_placement "
                                      "WHERE subject = :report_id"), {"report_id": report_id})


async def _incident_opened(database, source: str, report_id: str | None) -> None:
    now = datetime.now(UTC)
    opened = IncidentOpened(incident_id=uuid4(), status="open", category="domestic_violence", priority=4,
                            lat=-6.95, lon=110.46, area="Genuk", source=source,
                            report_id=UUID(report_id) if report_id else None, opened_at=now, updated_at=now,
                            version=1)
    async with unit_of_work(create_sessionmaker(database)) as session:
        await HANDLERS[IncidentOpened.ce_type](session, Envelope.wrap(opened, "/services/dispatch"))


async def test_an_urgent_report_is_kept_until_its_incident_opens(submit, report_body, database):
    report_id, _ = await submit(report_body(category="domestic_violence", immediate_danger=True))
    assert await _kept(database, report_id) == 1  # no dispatch runs here: nothing has placed it
    await _incident_opened(database, "alarm", None)  # an alarm's incident places no report
    assert await _kept(database, report_id) == 1
    await _incident_opened(database, "report", report_id)
    assert await _kept(database, report_id) == 0


async def test_a_report_not_urgent_is_not_kept(submit, report_body, database):
    report_id, _ = await submit(report_body())
    assert await _kept(database, report_id) == 0
