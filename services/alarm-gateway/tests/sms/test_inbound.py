"""SMS panic: signed deliveries only; a verified phone texting a keyword raises one silent alarm at the device's
last known position, however often the provider delivers it; unknown numbers raise nothing and are counted."""

import asyncio
import json
import secrets
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from prometheus_client import REGISTRY
from standardwebhooks.webhooks import Webhook

from alarm_gateway.profiles import verification
from alarm_gateway.sms.service import category_of, is_panic


def _signed(gateway, body: dict, webhook_id: str | None = None, secret: str | None = None) -> tuple[str, dict]:
    data = json.dumps(body)
    webhook_id = webhook_id or f"msg_{uuid4().hex}"
    now = datetime.now(UTC)
    webhook = Webhook(secret) if secret else gateway.app.state.sms_webhook
    headers = {"webhook-id": webhook_id, "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": webhook.sign(webhook_id, now, data), "content-type": "application/json"}
    return data, headers


async def _verified_phone(gateway, device, monkeypatch) -> str:
    phone = f"+62813{10**7 + secrets.randbelow(9 * 10**7)}"
    monkeypatch.setattr(verification.secrets, "randbelow", lambda _: 654321)
    await gateway.put("/v1/devices/me/profile", json={"name": "Sri", "phone": phone}, headers=device)
    await gateway.post("/v1/devices/me/phone/verification", headers=device)
    confirmed = await gateway.post("/v1/devices/me/phone/verification/confirm", json={"code": "654321"},
                                   headers=device)
    assert confirmed.status_code == 200
    return phone


def _unknown_count() -> float:
    return REGISTRY.get_sample_value("alarm_gateway_inbound_sms_total", {"outcome": "unknown_number"}) or 0.0


async def test_a_verified_phone_texting_tolong_raises_one_silent_alarm(gateway, device, alarm_body, monkeypatch):
    phone = await _verified_phone(gateway, device, monkeypatch)
    earlier = alarm_body(lat=-7.05, lon=110.44, accuracy_m=30)
    await gateway.post("/v1/alarms", json=earlier, headers=device)
    await gateway.post(f"/v1/alarms/{earlier['id']}/cancel", json={"reason": "tes"}, headers=device)
    received = datetime.now(UTC) - timedelta(seconds=90)
    # The local way of writing the number, as the provider may forward it.
    data, headers = _signed(gateway, {"from": "0" + phone[3:], "text": "tolong ada kebakaran",
                                      "received_at": received.isoformat()})
    responses = await asyncio.gather(*(gateway.post("/v1/sms/inbound", content=data, headers=headers)
                                       for _ in range(3)))  # the provider delivered it three times
    assert {r.status_code for r in responses} == {200}
    assert {r.json()["alarm_id"] for r in responses} != {None}
    assert len({r.json()["alarm_id"] for r in responses}) == 1
    alarms = (await gateway.get("/v1/alarms", headers=device)).json()["items"]
    sms_alarms = [a for a in alarms if a["source"] == "sms"]
    assert len(sms_alarms) == 1
    alarm = sms_alarms[0]
    assert alarm["silent"] is True and alarm["category"] == "fire" and alarm["note"] is None
    assert (alarm["lat"], alarm["lon"], alarm["accuracy_m"]) == (-7.05, 110.44, 30)  # the last known position
    assert alarm["delayed"] is True and datetime.fromisoformat(alarm["pressed_at"]) == received


@pytest.mark.parametrize("text", ["SOS", "Darurat! tolong", "help me", "TOLONG."])
def test_keywords_in_any_case_start_the_message(text):
    assert is_panic(text)


@pytest.mark.parametrize("text", ["halo, apa kabar", "saya butuh tolong", ""])
def test_other_messages_are_not_panics(text):
    assert not is_panic(text)


def test_the_text_may_name_the_category():
    assert (category_of("SOS ada maling"), category_of("tolong"), category_of("HELP medical")) == (
        "crime", "other", "medical")


async def test_unknown_and_unverified_numbers_raise_nothing_and_are_counted(gateway, device):
    await gateway.put("/v1/devices/me/profile", json={"name": "Belum", "phone": "+6281377776666"}, headers=device)
    before = _unknown_count()
    for sender in ("+6281377776666", "+6281300000001"):  # not verified; nobody's
        data, headers = _signed(gateway, {"from": sender, "text": "SOS"})
        response = await gateway.post("/v1/sms/inbound", content=data, headers=headers)
        assert response.json() == {"outcome": "unknown_number", "alarm_id": None, "received_at": None}
        await gateway.post("/v1/sms/inbound", content=data, headers=headers)  # redelivered: counted once
    assert _unknown_count() == before + 2
    assert (await gateway.get("/v1/alarms", headers=device)).json() == {"items": [], "next": None}


async def test_unsigned_or_wrongly_signed_messages_are_refused(gateway):
    body = {"from": "+6281300000002", "text": "SOS"}
    unsigned = await gateway.post("/v1/sms/inbound", json=body, headers={"webhook-id": "msg_1"})
    assert unsigned.status_code == 401 and unsigned.json()["error"] == "bad_signature"
    data, headers = _signed(gateway, body, secret="whsec_" + "c29tZW9uZSBlbHNlJ3Mgc2VjcmV0")
    assert (await gateway.post("/v1/sms/inbound", content=data, headers=headers)).status_code == 401
    data, headers = _signed(gateway, body)
    tampered = data.replace("SOS", "SOS ")
    assert (await gateway.post("/v1/sms/inbound", content=tampered, headers=headers)).status_code == 401
    garbled = {**headers, "webhook-signature": "v1"}
    assert (await gateway.post("/v1/sms/inbound", content=data, headers=garbled)).status_code == 401


async def test_a_signed_but_malformed_message_is_a_422_naming_the_field(gateway):
    for body in ({"text": "SOS"}, {"from": "   ", "text": "SOS"}):  # missing, or blank
        data, headers = _signed(gateway, body)
        response = await gateway.post("/v1/sms/inbound", content=data, headers=headers)
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == "from", body
