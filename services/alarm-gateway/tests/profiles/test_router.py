"""A device's profile: E.164 phones, clear 422s, sealed at rest, a new phone unverified again."""

from sqlalchemy import text

PROFILE = {"name": "Sri Wahyuni", "phone": "0812-3456-7890", "language": "id",
           "emergency_contacts": [{"name": "Budi", "phone": "0813 1111 2222", "relation": "suami"}],
           "medical_notes": "asma"}


async def test_phones_are_stored_and_returned_in_e164(gateway, device):
    response = await gateway.put("/v1/devices/me/profile", json=PROFILE, headers=device)
    assert response.status_code == 200, response.text
    profile = (await gateway.get("/v1/devices/me/profile", headers=device)).json()
    assert profile["phone"] == "+6281234567890"
    assert profile["emergency_contacts"] == [{"name": "Budi", "phone": "+6281311112222", "relation": "suami"}]
    assert profile["phone_verified"] is False and profile["medical_notes"] == "asma"


async def test_an_invalid_phone_is_a_422_naming_the_field(gateway, device):
    response = await gateway.put("/v1/devices/me/profile", json={**PROFILE, "phone": "12345"}, headers=device)
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["detail"]] == ["phone"]
    contacts = [{"name": "Budi", "phone": "not a number", "relation": "suami"}]
    response = await gateway.put("/v1/devices/me/profile", json={**PROFILE, "emergency_contacts": contacts},
                                 headers=device)
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["detail"]] == ["emergency_contacts.0.phone"]


async def test_at_most_three_emergency_contacts(gateway, device):
    contacts = [{"name": f"K{i}", "phone": f"0813111122{i:02d}", "relation": "teman"} for i in range(4)]
    response = await gateway.put("/v1/devices/me/profile", json={**PROFILE, "emergency_contacts": contacts},
                                 headers=device)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "emergency_contacts"


async def test_no_profile_yet_is_a_404(gateway, device):
    response = await gateway.get("/v1/devices/me/profile", headers=device)
    assert response.status_code == 404 and response.json()["error"] == "profile_not_found"


async def test_the_profile_is_sealed_at_rest(gateway, device):
    await gateway.put("/v1/devices/me/profile", json=PROFILE, headers=device)
    async with gateway.app.state.sessionmaker() as session:
        rows = (await session.execute(text(
            "SELECT row_to_json(p)::text FROM alarm_gateway.device_profiles p"))).scalars().all()
    assert rows
    for stored in rows:
        for secret in ("Wahyuni", "81234567890", "asma", "Budi", "81311112222"):
            assert secret not in stored
