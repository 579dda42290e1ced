"""A reporter in immediate danger: report-intake -> reports.v1 -> dispatch opens an incident for operators,
carrying no narrative and no identity; report-intake sees the incident open and stops keeping the report's
event for a re-send."""

import random

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from kentongan.dev.testing import eventually


async def test_immediate_danger_report_opens_an_incident_in_dispatch(services, operator, settings):
    # The test plays the ingress, so this reporter is a source of its own: urgent reports from one source
    # within minutes of each other join one incident (tests/security/test_anonymous_report_burst.py).
    intake_url = services.start("report-intake", KENTONGAN_TRUSTED_PROXIES="127.0.0.1/32").url
    reporter = {"X-Forwarded-For": f"198.18.{random.randint(0, 255)}.{random.randint(1, 254)}"}
    narrative = "Suami saya mengancam dengan pisau, saya bersembunyi di kamar."
    body = {
        "category": "domestic_violence", "narrative": narrative,
        "location": {"kelurahan": "Genuk", "kecamatan": "Genuk"},
        "victim": {"age_group": "adult", "gender": "female", "is_reporter": True},
        "perpetrator_relation": "family", "anonymous": True,
        "consent": {"share_with_agencies": False, "contact_me": False}, "immediate_danger": True,
    }
    async with httpx.AsyncClient(base_url=intake_url, timeout=10) as client:
        submitted = await client.post("/v1/reports", json=body, headers=reporter)
    assert submitted.status_code == 201, submitted.text

    async def incident_for_report():
        queue = (await operator.get("/v1/incidents", params={"limit": 500})).json()["items"]
        return [i for i in queue if i["source"] == "report" and i["area"] == "Genuk"
                and i["category"] == "domestic_violence"]

    incidents = await eventually(incident_for_report, timeout_s=20)
    detail = (await operator.get(f"/v1/incidents/{incidents[-1]['id']}")).json()
    assert detail["priority"] >= 4
    assert narrative not in str(detail)

    # Until then report-intake kept the event to publish it again (kentongan.placement); placed, it lets go.
    report_id = submitted.json()["report_id"]
    engine = create_async_engine(settings.database_url)

    async def report_placed() -> bool:
        async with engine.connect() as conn:
            waiting = await conn.scalar(text("SELECT count(*) FROM report_intake.awaiting_placement "
                                             "WHERE subject = :report_id"), {"report_id": report_id})
        return waiting == 0

    try:
        await eventually(report_placed, timeout_s=20)
    finally:
        await engine.dispose()
