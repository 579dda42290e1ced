"""Erasure on request reaches every service that holds a copy, through the real processes: a device erasing
itself (alarm-gateway -> kentongan.device.erased -> dispatch, notifier) and a reporter erasing a case
(report-intake -> kentongan.report.erased -> dispatch, notifier). Incidents stay for statistics; who they
were about does not."""

import random
import secrets

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from kentongan.dev.testing import eventually
from kentongan.retention import ERASED_DEVICE


@pytest.fixture(scope="module")
def notifier_url(services) -> str:
    # A consumer group of its own (see test_report_to_reporter_sms.py).
    return services.start("notifier", NOTIFIER_CONSUMER_GROUP="notifier-erasure-e2e").url


@pytest.fixture
async def database(settings):
    engine = create_async_engine(settings.database_url)
    yield engine
    await engine.dispose()


async def _texts_to(notifier: httpx.AsyncClient, phone: str) -> list[dict]:
    response = await notifier.get("/v1/dev/outbox", params={"target": phone, "limit": 500})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def _until_texted(notifier: httpx.AsyncClient, phone: str) -> list[dict]:
    async def texted():
        return await _texts_to(notifier, phone) or None

    return await eventually(texted, timeout_s=60)


async def test_an_erased_device_leaves_no_caller_at_dispatch_and_no_texts_at_notifier(
        citizen, operator, alarm_body, notifier_url, operator_headers, database):
    phone, contact = (f"+62812{10**7 + secrets.randbelow(9 * 10**7)}" for _ in range(2))
    profile = {"name": "Rina Lestari", "phone": phone, "language": "id", "medical_notes": "diabetes",
               "emergency_contacts": [{"name": "Adi", "phone": contact, "relation": "kakak"}]}
    assert (await citizen.put("/v1/devices/me/profile", json=profile)).status_code == 200
    async with httpx.AsyncClient(base_url=notifier_url, timeout=10, headers=operator_headers("admin")) as notifier:
        assert (await citizen.post("/v1/devices/me/phone/verification")).status_code == 202
        await _until_texted(notifier, phone)
        body = alarm_body("medical", note="di dapur, jatuh")
        assert (await citizen.post("/v1/alarms", json=body)).status_code == 202

        async def incident_with_caller():
            queue = (await operator.get("/v1/incidents", params={"limit": 500})).json()["items"]
            incident = next((i for i in queue if body["id"] in i["alarm_ids"]), None)
            callers = incident and (await operator.get(f"/v1/incidents/{incident['id']}/callers")).json()
            return incident if callers and callers["callers"][0]["name"] == "Rina Lestari" else None

        incident = await eventually(incident_with_caller, timeout_s=60)
        await _until_texted(notifier, contact)  # the emergency contact was told
        called = await operator.post(f"/v1/incidents/{incident['id']}/callbacks",
                                     json={"caller_phone": phone, "outcome": "no_answer"})
        assert called.status_code == 201, called.text

        erased = await citizen.request("DELETE", "/v1/devices/me", json={"confirm": True})
        assert erased.status_code == 204, erased.text

        async def caller_gone():
            callers = (await operator.get(f"/v1/incidents/{incident['id']}/callers")).json()
            return callers if callers["callers"][0]["name"] is None else None

        shown = await eventually(caller_gone, timeout_s=60)
        [caller] = shown["callers"]
        assert shown["callbacks"] == []  # the call-back to that phone went with it
        assert caller["device_id"] == str(ERASED_DEVICE) and caller["phone"] is None
        assert caller["emergency_contacts"] == [] and caller["medical_notes"] is None

        async def texts_forgotten():
            return not await _texts_to(notifier, phone) and not await _texts_to(notifier, contact)

        await eventually(texts_forgotten, timeout_s=60)
    async with database.connect() as conn:
        alarm = (await conn.execute(text("SELECT device_id, note_sealed FROM dispatch.incident_alarms "
                                         "WHERE alarm_id = :id"), {"id": body["id"]})).one()
        targets = (await conn.execute(text("SELECT target, payload::text FROM notifier.deliveries "
                                           "WHERE recipient LIKE :device"),
                                      {"device": f"device:{caller['device_id']}%"})).all()
    assert alarm == (ERASED_DEVICE, None)  # the incident keeps its alarm, nobody's, without the caller's words
    assert all(phone not in str(row) and contact not in str(row) for row in targets)


async def test_an_erased_report_leaves_no_sender_at_dispatch_and_no_texts_at_notifier(
        services, operator, notifier_url, operator_headers, database):
    intake_url = services.start("report-intake", KENTONGAN_TRUSTED_PROXIES="127.0.0.1/32").url
    sender = {"X-Forwarded-For": f"198.18.{random.randint(0, 255)}.{random.randint(1, 254)}"}
    phone = f"+62812{10**7 + secrets.randbelow(9 * 10**7)}"
    body = {
        "category": "domestic_violence", "narrative": "Dia mengunci saya di rumah dan mengancam.",
        "location": {"kelurahan": "Bangetayu Wetan", "kecamatan": "Genuk"},
        "victim": {"age_group": "adult", "gender": "female", "is_reporter": True},
        "perpetrator_relation": "family", "anonymous": True, "immediate_danger": True,
        "contact": {"phone": phone, "safe_to_contact": True},
        "consent": {"share_with_agencies": True, "contact_me": True},
    }
    async with (httpx.AsyncClient(base_url=intake_url, timeout=10) as intake,
                httpx.AsyncClient(base_url=notifier_url, timeout=10, headers=operator_headers("admin")) as notifier):
        submitted = await intake.post("/v1/reports", json=body, headers=sender)
        assert submitted.status_code == 201, submitted.text
        report_id, token = submitted.json()["report_id"], submitted.json()["case_token"]
        await _until_texted(notifier, phone)  # "there is news": the case was referred

        async def incident_of_report():
            async with database.connect() as conn:
                return (await conn.execute(text("SELECT id, source_fingerprint FROM dispatch.incidents "
                                                "WHERE report_id = :id"), {"id": report_id})).first()

        incident = await eventually(incident_of_report, timeout_s=60)
        assert incident.source_fingerprint is not None

        erased = await intake.request("DELETE", f"/v1/reports/{report_id}", json={"confirm": True},
                                      headers={"X-Case-Token": token})
        assert erased.status_code == 204, erased.text

        async def sender_forgotten():
            async with database.connect() as conn:
                fingerprint = await conn.scalar(text("SELECT source_fingerprint FROM dispatch.incidents "
                                                     "WHERE id = :id"), {"id": incident.id})
            return fingerprint is None and not await _texts_to(notifier, phone)

        await eventually(sender_forgotten, timeout_s=60)
    detail = (await operator.get(f"/v1/incidents/{incident.id}")).json()
    assert detail["category"] == "domestic_violence"  # the incident itself stays, for statistics
