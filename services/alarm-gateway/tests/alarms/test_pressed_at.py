"""Offline presses: `pressed_at` kept, `delayed` when received more than a minute after it, battery level;
impossible times are 422s naming the field."""

from datetime import UTC, datetime, timedelta


def _iso(delta: timedelta) -> str:
    return (datetime.now(UTC) + delta).isoformat()


async def test_a_late_alarm_keeps_its_press_time_and_is_marked_delayed(gateway, device, alarm_body):
    pressed = _iso(-timedelta(minutes=3))
    response = await gateway.post("/v1/alarms", json=alarm_body(pressed_at=pressed, battery_pct=7), headers=device)
    assert response.status_code == 202
    alarm = response.json()
    assert datetime.fromisoformat(alarm["pressed_at"]) == datetime.fromisoformat(pressed)
    assert alarm["delayed"] is True and alarm["battery_pct"] == 7 and alarm["source"] == "app"


async def test_an_alarm_on_time_is_not_delayed(gateway, device, alarm_body):
    response = await gateway.post("/v1/alarms", json=alarm_body(pressed_at=_iso(-timedelta(seconds=5))),
                                  headers=device)
    assert response.status_code == 202 and response.json()["delayed"] is False
    plain = await gateway.post("/v1/alarms", json=alarm_body(), headers={**device})
    assert plain.json()["delayed"] is False


async def test_impossible_press_times_and_battery_levels_are_422s(gateway, device, alarm_body):
    for overrides, field in (({"pressed_at": _iso(timedelta(minutes=30))}, "pressed_at"),
                             ({"pressed_at": _iso(-timedelta(hours=25))}, "pressed_at"),
                             ({"pressed_at": "2026-12-03T10:00:00"}, "pressed_at"),  # no time zone
                             ({"battery_pct": 101}, "battery_pct"), ({"battery_pct": -1}, "battery_pct")):
        response = await gateway.post("/v1/alarms", json=alarm_body(**overrides), headers=device)
        assert response.status_code == 422, overrides
        assert [d["field"] for d in response.json()["detail"]] == [field]
