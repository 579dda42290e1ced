"""Bad input and abuse at intake: a clear 4xx naming the field, and nothing stored."""

from sqlalchemy import text


async def _report_count(database) -> int:
    async with database.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM report_intake.reports"))).scalar_one()


async def test_invalid_fields_are_422_naming_the_field_and_store_nothing(intake, report_body, database):
    before = await _report_count(database)
    cases = {
        "category": report_body(category="theft"),
        "victim.age_group": report_body(victim={"age_group": "baby", "is_reporter": False}),
        "victim.is_reporter": report_body(victim={"age_group": "child"}),
        "perpetrator_relation": report_body(perpetrator_relation="alien"),
        "narrative": report_body(narrative="   "),
        "location.lat": report_body(location={"lat": 123, "lon": 110}),
        "contact.phone": report_body(contact={"phone": "call me maybe"}),
        "location.rt": report_body(location={"kecamatan": "Tembalang", "rt": "   "}),
        "consent": {k: v for k, v in report_body().items() if k != "consent"},
        "occurred_at": report_body(occurred_at="2999-01-01T00:00:00+07:00"),
        "surprise": report_body(surprise="extra field"),
        "school": report_body(school="SMP\x00 1"),
    }
    for field, body in cases.items():
        response = await intake.post("/v1/reports", json=body)
        assert response.status_code == 422, field
        assert response.json()["error"] == "validation_error"
        assert any(d["field"].startswith(field) for d in response.json()["detail"]), (field, response.json())
    broken = await intake.post("/v1/reports", content=b'{"category": ', headers={"content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["detail"][0]["field"] == "body"
    assert await _report_count(database) == before


async def test_oversize_narratives_are_refused(intake, report_body, database):
    before = await _report_count(database)
    too_long = await intake.post("/v1/reports", json=report_body(narrative="ñ" * 10_001))
    assert too_long.status_code == 422 and too_long.json()["detail"][0]["field"] == "narrative"
    huge = await intake.post("/v1/reports", json=report_body(narrative="x" * 200_000))
    assert huge.status_code == 413 and huge.json()["error"] == "payload_too_large"
    assert await _report_count(database) == before


async def test_unicode_narratives_survive_the_round_trip(intake, submit, report_body, operator_headers):
    narrative = "Kekerasan di rumah — ibu & anak ketakutan. 子供 🆘 ñ " + "ꦲꦏ꧀ꦱꦫ"  # Javanese script too
    report_id, _ = await submit(report_body(category="domestic_violence", narrative=narrative))
    detail = await intake.get(f"/v1/staff/reports/{report_id}", headers=operator_headers("supervisor"))
    assert detail.json()["narrative"] == narrative


async def test_oversize_or_blank_messages_are_refused(intake, submit, report_body):
    report_id, token = await submit(report_body())
    case = {"X-Case-Token": token}
    for body in ({"body": "y" * 4_001}, {"body": ""}, {}, {"body": 5}):
        response = await intake.post(f"/v1/reports/{report_id}/messages", json=body, headers=case)
        assert response.status_code == 422, body
    thread = await intake.get(f"/v1/reports/{report_id}/messages", headers=case)
    assert thread.json()["items"] == []


async def test_blank_text_is_refused_naming_the_field(intake, report_body, operator_headers):
    for contact in ({"phone": "      "}, {"phone": "------"}):
        response = await intake.post("/v1/reports", json=report_body(contact=contact))
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == "contact.phone", contact
    for field in ("actor", "action", "resource_id"):
        response = await intake.get("/v1/audit", params={field: "  "}, headers=operator_headers("supervisor"))
        assert response.status_code == 422 and response.json()["detail"][0]["field"] == field, field
