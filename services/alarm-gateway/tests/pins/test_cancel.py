"""PINs: set once, a cancel needs one, a wrong one is refused and five escalate, and the duress PIN looks to
the phone exactly like a genuine cancel."""

from sqlalchemy import text

PINS = {"cancel_pin": "1234", "duress_pin": "9876"}
VOLATILE = ("id", "incident_id", "created_at", "updated_at", "pressed_at")


async def _with_pins(gateway, device):
    response = await gateway.put("/v1/devices/me/pins", json=PINS, headers=device)
    assert response.status_code == 200 and response.json() == {"pins_set": True}


async def _raise(gateway, device, alarm_body):
    response = await gateway.post("/v1/alarms", json=alarm_body(), headers=device)
    assert response.status_code == 202
    return response.json()["id"]


def _without_ids_and_times(alarm: dict) -> dict:
    kept = {key: value for key, value in alarm.items() if key not in VOLATILE}
    kept["timeline"] = [step["status"] for step in alarm["timeline"]]
    return kept


async def _record(gateway, alarm_id):
    """What the gateway recorded of the alarm and never shows the phone: (duress?, wrong PINs). The signals
    themselves are followed to dispatch in tests/test_callers.py."""
    async with gateway.app.state.sessionmaker() as session:
        return (await session.execute(text("SELECT duress_at IS NOT NULL, wrong_pins FROM alarm_gateway.alarms "
                                           "WHERE id = :id"), {"id": alarm_id})).one()


async def test_pins_must_be_4_to_8_digits_and_different(gateway, device):
    for body, field in (({**PINS, "cancel_pin": "12"}, "cancel_pin"), ({**PINS, "duress_pin": "12ab"}, "duress_pin"),
                        ({"cancel_pin": "1234", "duress_pin": "1234"}, "body")):
        response = await gateway.put("/v1/devices/me/pins", json=body, headers=device)
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"] == field


async def test_changing_pins_needs_the_current_cancel_pin(gateway, device):
    await _with_pins(gateway, device)
    new = {"cancel_pin": "4321", "duress_pin": "5555"}
    assert (await gateway.put("/v1/devices/me/pins", json=new, headers=device)).status_code == 403
    duress = await gateway.put("/v1/devices/me/pins", json={**new, "current_pin": "9876"}, headers=device)
    assert duress.status_code == 403
    changed = await gateway.put("/v1/devices/me/pins", json={**new, "current_pin": "1234"}, headers=device)
    assert changed.status_code == 200


async def test_a_wrong_pin_is_refused_and_the_alarm_stays_active(gateway, device, alarm_body):
    await _with_pins(gateway, device)
    alarm_id = await _raise(gateway, device, alarm_body)
    missing = await gateway.post(f"/v1/alarms/{alarm_id}/cancel", json={"reason": "aman"}, headers=device)
    assert missing.status_code == 403 and missing.json()["error"] == "pin_required"
    wrong = await gateway.post(f"/v1/alarms/{alarm_id}/cancel", json={"reason": "aman", "pin": "0000"},
                               headers=device)
    assert wrong.status_code == 403 and wrong.json()["error"] == "wrong_pin"
    assert (await gateway.get(f"/v1/alarms/{alarm_id}", headers=device)).json()["status"] == "received"


async def test_five_wrong_pins_are_counted_and_escalate(gateway, device, alarm_body):
    await _with_pins(gateway, device)
    alarm_id = await _raise(gateway, device, alarm_body)
    for _ in range(5):
        response = await gateway.post(f"/v1/alarms/{alarm_id}/cancel", json={"reason": "x", "pin": "0000"},
                                      headers=device)
        assert response.status_code == 403
    assert tuple(await _record(gateway, alarm_id)) == (False, 5)
    assert (await gateway.get(f"/v1/alarms/{alarm_id}", headers=device)).json()["status"] == "received"


async def test_the_duress_cancel_looks_exactly_like_a_genuine_one(gateway, device, alarm_body):
    await _with_pins(gateway, device)
    genuine_id = await _raise(gateway, device, alarm_body)
    genuine = await gateway.post(f"/v1/alarms/{genuine_id}/cancel", json={"reason": "salah tekan", "pin": "1234"},
                                 headers=device)
    forced_id = await _raise(gateway, device, alarm_body)
    forced = await gateway.post(f"/v1/alarms/{forced_id}/cancel", json={"reason": "salah tekan", "pin": "9876"},
                                headers=device)
    assert genuine.status_code == forced.status_code == 200
    assert genuine.headers.keys() == forced.headers.keys()
    assert _without_ids_and_times(genuine.json()) == _without_ids_and_times(forced.json())
    assert forced.json()["status"] == "cancelled"
    # Byte for byte, once ids and times are put aside: same fields, same order, same values.
    later = [await gateway.get(f"/v1/alarms/{alarm_id}", headers=device) for alarm_id in (genuine_id, forced_id)]
    masked = [_masked_bytes(response.content, response.json()) for response in (genuine, forced, *later)]
    assert masked[0] == masked[1] and masked[2] == masked[3]
    assert tuple(await _record(gateway, forced_id)) == (True, 0)
    assert tuple(await _record(gateway, genuine_id)) == (False, 0)


def _masked_bytes(content: bytes, alarm: dict) -> bytes:
    """The response body with the values of ids and times replaced by a placeholder of their own."""
    for key in VOLATILE:
        if alarm.get(key) is not None:
            content = content.replace(str(alarm[key]).encode(), key.encode())
    for step in alarm["timeline"]:
        content = content.replace(step["at"].encode(), b"at")
    return content


async def test_without_pins_a_cancel_needs_none(gateway, device, alarm_body):
    alarm_id = await _raise(gateway, device, alarm_body)
    response = await gateway.post(f"/v1/alarms/{alarm_id}/cancel", json={"reason": "aman"}, headers=device)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
