"""Phone verification: a one-time code, hashed, 10 minutes, five wrong codes lock it (429); a new phone is
unverified again."""

from sqlalchemy import text

from alarm_gateway.profiles import verification

PROFILE = {"name": "Sri", "phone": "0812-3456-7890"}


async def _profile(gateway, device, code, monkeypatch):
    # The code is random; pinning it here lets the test type it back like the person who received the SMS.
    monkeypatch.setattr(verification.secrets, "randbelow", lambda _: int(code))
    assert (await gateway.put("/v1/devices/me/profile", json=PROFILE, headers=device)).status_code == 200
    started = await gateway.post("/v1/devices/me/phone/verification", headers=device)
    assert started.status_code == 202 and started.json()["sent_to"] == "+6281234567890"


async def _sql(gateway, statement, **params):
    async with gateway.app.state.sessionmaker() as session:
        result = await session.execute(text(statement), params)
        await session.commit()
        return result


async def test_the_right_code_verifies_the_phone_and_a_new_phone_is_unverified(gateway, device, monkeypatch):
    await _profile(gateway, device, "042424", monkeypatch)
    confirmed = await gateway.post("/v1/devices/me/phone/verification/confirm", json={"code": "042424"},
                                   headers=device)
    assert confirmed.status_code == 200 and confirmed.json() == {"phone_verified": True}
    assert (await gateway.get("/v1/devices/me/profile", headers=device)).json()["phone_verified"] is True
    # The same phone again stays verified; another phone does not.
    await gateway.put("/v1/devices/me/profile", json={**PROFILE, "name": "Sri W."}, headers=device)
    assert (await gateway.get("/v1/devices/me/profile", headers=device)).json()["phone_verified"] is True
    await gateway.put("/v1/devices/me/profile", json={**PROFILE, "phone": "+6281399998888"}, headers=device)
    assert (await gateway.get("/v1/devices/me/profile", headers=device)).json()["phone_verified"] is False


async def test_codes_are_stored_hashed(gateway, device, monkeypatch):
    await _profile(gateway, device, "135791", monkeypatch)
    rows = (await _sql(gateway, "SELECT row_to_json(p)::text FROM alarm_gateway.device_profiles p")).scalars()
    assert all("135791" not in row for row in rows)


async def test_an_expired_code_no_longer_verifies(gateway, device, monkeypatch):
    await _profile(gateway, device, "111111", monkeypatch)
    await _sql(gateway, "UPDATE alarm_gateway.device_profiles SET code_expires_at = now() - interval '1 second' "
                        "WHERE code_hash IS NOT NULL")
    expired = await gateway.post("/v1/devices/me/phone/verification/confirm", json={"code": "111111"},
                                 headers=device)
    assert expired.status_code == 409 and expired.json()["error"] == "no_code_pending"
    assert (await gateway.get("/v1/devices/me/profile", headers=device)).json()["phone_verified"] is False


async def test_five_wrong_codes_lock_verification(gateway, device, monkeypatch):
    await _profile(gateway, device, "222222", monkeypatch)
    statuses = []
    for _ in range(5):
        wrong = await gateway.post("/v1/devices/me/phone/verification/confirm", json={"code": "999999"},
                                   headers=device)
        statuses.append(wrong.status_code)
    assert statuses == [403, 403, 403, 403, 429]
    # Locked: even the right code, or a new one, is refused for 15 minutes.
    right = await gateway.post("/v1/devices/me/phone/verification/confirm", json={"code": "222222"}, headers=device)
    assert right.status_code == 429 and int(right.headers["Retry-After"]) > 800
    assert (await gateway.post("/v1/devices/me/phone/verification", headers=device)).status_code == 429
    assert (await gateway.get("/v1/devices/me/profile", headers=device)).json()["phone_verified"] is False


async def test_a_code_must_be_six_digits(gateway, device):
    response = await gateway.post("/v1/devices/me/phone/verification/confirm", json={"code": "12ab"}, headers=device)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "code"
