"""Partner agencies: their own referrals only, a lifecycle with events, the minimum necessary data."""

from datetime import timedelta
from uuid import uuid4

import jwt
from sqlalchemy import text

from kentongan.datakeys import DATA_KEY_ID
from kentongan.dev.testing import eventually
from kentongan.events import topics
from kentongan.security import partner_token


async def test_a_referral_to_dp3a_is_seen_by_dp3a_only(intake, submit, report_body, partner_headers,
                                                       referral_id_for):
    body = report_body(category="domestic_violence", school=None,
                       victim={"age_group": "adult", "gender": "female", "is_reporter": True})
    report_id, _ = await submit(body)
    referral_id = await referral_id_for("dp3a", report_id)
    assert referral_id is not None
    assert await referral_id_for("disdik", report_id) is None
    detail = await intake.get(f"/v1/referrals/{referral_id}", headers=partner_headers("dp3a"))
    assert detail.status_code == 200
    assert detail.json()["narrative"] == body["narrative"] and detail.json()["area"] == "Tembalang, Tembalang"
    assert '"lat"' not in detail.text and "003/005" not in detail.text  # exact place stays on the platform
    for method, path, payload in [("GET", "", None), ("GET", "/messages", None), ("POST", "/accept", None),
                                  ("POST", "/decline", {"reason": "bukan wewenang"}),
                                  ("POST", "/messages", {"body": "halo"})]:
        response = await intake.request(method, f"/v1/referrals/{referral_id}{path}", json=payload,
                                        headers=partner_headers("disdik"))
        assert response.status_code == 404, (method, path)
    still = await intake.get(f"/v1/referrals/{referral_id}", headers=partner_headers("dp3a"))
    assert still.json()["status"] == "created" and still.json()["version"] == 1


async def test_an_agency_pages_through_its_referrals_newest_first(intake, submit, report_body, partner_headers,
                                                                   referral_id_for):
    agency = partner_headers("dp3a")
    body = report_body(category="domestic_violence", school=None,
                       victim={"age_group": "adult", "gender": "female", "is_reporter": True})
    reports = [(await submit(body))[0] for _ in range(3)]
    for report_id in reports:
        assert await referral_id_for("dp3a", report_id) is not None
    first = (await intake.get("/v1/referrals", headers=agency, params={"limit": 2})).json()
    second = (await intake.get("/v1/referrals", headers=agency, params={"limit": 2, "after": first["next"]})).json()
    # Newest first: the last three submitted open the list, and the second page carries on where the first ended.
    assert [r["report_id"] for r in first["items"]] == [reports[2], reports[1]]
    assert [r["report_id"] for r in second["items"]][:1] == [reports[0]]
    bad = await intake.get("/v1/referrals", headers=agency, params={"after": "x"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_cursor" and "after" in bad.json()["detail"]


async def test_triage_rules_route_each_case(submit, report_body, staff_referrals):
    child_sexual = report_body(category="sexual_violence", school="Pondok Pesantren Al-Hikmah")
    # abused at home by a relative: no school named, so Disdik never hears of it unless the reporter asks
    at_home = report_body(category="sexual_violence", school=None, perpetrator_relation="family")
    at_home_disdik_chosen = {**at_home, "refer_to": ["disdik"]}
    woman = report_body(category="domestic_violence", school=None,
                        victim={"age_group": "adult", "gender": "female", "is_reporter": False})
    man = report_body(category="domestic_violence", school=None,
                      victim={"age_group": "adult", "gender": "male", "is_reporter": False})
    expected = [(child_sexual, {"dp3a": "created", "disdik": "created"}), (at_home, {"dp3a": "created"}),
                (at_home_disdik_chosen, {"dp3a": "created", "disdik": "created"}),
                (report_body(), {"disdik": "created"}),
                (woman, {"dp3a": "created"}), (man, {}), (report_body(category="other"), {})]
    for body, referrals in expected:
        report_id, _ = await submit(body)
        assert await staff_referrals(report_id) == referrals, body["category"]


async def test_lifecycle_steps_emit_events_on_referrals_topic(intake, submit, report_body, partner_headers,
                                                              referral_id_for, topic_events, bus):
    report_id, _ = await submit(report_body())
    referral_id = await referral_id_for("disdik", report_id)
    disdik = partner_headers("disdik")
    steps = [("accept", None, "accepted"), ("progress", {"note": "guru BK dihubungi"}, "in_progress"),
             ("close", {"outcome": "pelaku dibina, korban didampingi konselor"}, "closed")]
    for name, payload, status in steps:
        response = await intake.post(f"/v1/referrals/{referral_id}/{name}", json=payload, headers=disdik)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    events = await eventually(lambda: _when_count(topic_events(topics.REFERRALS, referral_id), 4))
    assert [e.type for e in events] == ["kentongan.referral.created", "kentongan.referral.accepted",
                                        "kentongan.referral.in_progress", "kentongan.referral.closed"]
    assert [e.data.version for e in events] == [1, 2, 3, 4]
    # The agency's text travels sealed: the broker never holds it in clear, the bus keyring opens it.
    assert [bus.open(events[2], "note"), bus.open(events[3], "outcome")] == [
        "guru BK dihubungi", "pelaku dibina, korban didampingi konselor"]
    assert "korban" not in events[3].data.model_dump_json()
    created = events[0].data
    assert (created.agency, created.category, created.victim_age_group, created.contact) == (
        "disdik", "bullying", "child", None)
    assert "narrative" not in created.model_dump_json()


async def test_decline_needs_a_reason_and_emits_it(intake, submit, report_body, partner_headers, referral_id_for,
                                                   topic_events, bus):
    report_id, _ = await submit(report_body())
    referral_id = await referral_id_for("disdik", report_id)
    disdik = partner_headers("disdik")
    assert (await intake.post(f"/v1/referrals/{referral_id}/decline", json={}, headers=disdik)).status_code == 422
    declined = await intake.post(f"/v1/referrals/{referral_id}/decline", json={"reason": "di luar wilayah"},
                                 headers=disdik)
    assert declined.json()["status"] == "declined"
    events = await eventually(lambda: _when_count(topic_events(topics.REFERRALS, referral_id), 2))
    assert events[-1].type == "kentongan.referral.declined" and bus.open(events[-1], "reason") == "di luar wilayah"
    detail = await intake.get(f"/v1/referrals/{referral_id}", headers=disdik)
    assert detail.json()["decline_reason"] == "di luar wilayah"
    assert detail.json()["timeline"][-1]["reason"] == "di luar wilayah"


async def test_steps_out_of_order_are_409_and_change_nothing(intake, submit, report_body, partner_headers,
                                                             referral_id_for):
    report_id, _ = await submit(report_body())
    referral_id = await referral_id_for("disdik", report_id)
    disdik = partner_headers("disdik")
    closing = await intake.post(f"/v1/referrals/{referral_id}/close", json={"outcome": "selesai"}, headers=disdik)
    assert closing.status_code == 409 and closing.json()["error"] == "referral_state_conflict"
    await intake.post(f"/v1/referrals/{referral_id}/accept", headers=disdik)
    again = await intake.post(f"/v1/referrals/{referral_id}/accept", headers=disdik)
    assert again.status_code == 409
    detail = await intake.get(f"/v1/referrals/{referral_id}", headers=disdik)
    assert detail.json()["status"] == "accepted" and detail.json()["version"] == 2
    assert [t["status"] for t in detail.json()["timeline"]] == ["created", "accepted"]


async def test_malformed_step_bodies_are_422_and_change_nothing(intake, submit, report_body, partner_headers,
                                                                referral_id_for):
    report_id, _ = await submit(report_body())
    referral_id = await referral_id_for("disdik", report_id)
    disdik = {**partner_headers("disdik"), "content-type": "application/json"}
    attempts = [("decline", b'{"reason": '), ("decline", b'{"reason": "x", "extra": 1}'),
                ("decline", b'{"reason": "' + b"x" * 1001 + b'"}'), ("accept", b'{"note": 5}'),
                ("close", b'{"outcome": ""}'), ("accept", b"[]")]
    for step, content in attempts:
        response = await intake.post(f"/v1/referrals/{referral_id}/{step}", content=content, headers=disdik)
        assert response.status_code == 422, (step, content[:40])
    assert (await intake.post("/v1/referrals/not-a-uuid/accept", headers=disdik)).status_code == 422
    detail = await intake.get(f"/v1/referrals/{referral_id}", headers=partner_headers("disdik"))
    assert detail.json()["status"] == "created" and detail.json()["version"] == 1


async def test_contact_reaches_the_agency_only_with_consent(intake, submit, report_body, partner_headers,
                                                            referral_id_for, topic_events, bus):
    contact = {"phone": "+62 811 2222 3333", "safe_to_contact": True}
    consented, _ = await submit(report_body(contact=contact, consent={"share_with_agencies": True,
                                                                      "contact_me": True}))
    withheld, _ = await submit(report_body(contact=contact, consent={"share_with_agencies": True,
                                                                     "contact_me": False}))
    for report_id, expected in ((consented, "+6281122223333"), (withheld, None)):  # normalised to E.164
        referral_id = await referral_id_for("disdik", report_id)
        detail = await intake.get(f"/v1/referrals/{referral_id}", headers=partner_headers("disdik"))
        assert (detail.json()["contact"] or {}).get("phone") == expected
        events = await eventually(lambda rid=referral_id: topic_events(topics.REFERRALS, rid))
        assert ((bus.open(events[0], "contact") or {}).get("phone")) == expected
        assert "22223333" not in events[0].data.model_dump_json()


async def test_without_consent_no_referral_leaves_until_a_supervisor_overrides(
        intake, submit, report_body, operator_headers, referral_id_for, staff_referrals):
    report_id, token = await submit(report_body(consent={"share_with_agencies": False, "contact_me": False}))
    status = await intake.get(f"/v1/reports/{report_id}", headers={"X-Case-Token": token})
    assert status.json()["status"] == "awaiting_consent" and status.json()["referrals"] == []
    assert await referral_id_for("disdik", report_id) is None
    path = f"/v1/staff/reports/{report_id}/referrals"
    as_operator = await intake.post(path, json={"reason": "anak dalam bahaya"}, headers=operator_headers())
    assert as_operator.status_code == 403
    no_reason = await intake.post(path, json={}, headers=operator_headers("supervisor"))
    assert no_reason.status_code == 422
    assert await staff_referrals(report_id) == {}
    released = await intake.post(path, json={"reason": "anak dalam bahaya, perlu pendampingan segera"},
                                 headers=operator_headers("supervisor", "spv-ana"))
    assert released.status_code == 201 and [r["agency"] for r in released.json()] == ["disdik"]
    referral_id = await referral_id_for("disdik", report_id)
    assert referral_id is not None
    audit = await intake.get("/v1/audit", params={"resource_id": report_id, "action": "report.consent_override"},
                             headers=operator_headers("supervisor"))
    assert [(a["actor"], a["reason"]) for a in audit.json()["items"]] == [
        ("spv-ana", "anak dalam bahaya, perlu pendampingan segera")]
    twice = await intake.post(path, json={"reason": "lagi"}, headers=operator_headers("supervisor"))
    assert twice.status_code == 409


async def test_a_release_naming_an_agency_twice_is_a_422_naming_the_field(intake, submit, report_body,
                                                                          operator_headers, staff_referrals):
    report_id, _ = await submit(report_body(consent={"share_with_agencies": False, "contact_me": False}))
    path = f"/v1/staff/reports/{report_id}/referrals"
    body = {"reason": "anak dalam bahaya", "agencies": ["dp3a", "dp3a"]}
    response = await intake.post(path, json=body, headers=operator_headers("supervisor"))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "validation_error"
    assert [p["field"] for p in response.json()["detail"]] == ["agencies"]
    assert await staff_referrals(report_id) == {}


async def test_expired_forged_or_wrong_kind_of_tokens_are_refused(intake, submit, report_body, settings,
                                                                  operator_headers, referral_id_for):
    report_id, _ = await submit(report_body())
    referral_id = await referral_id_for("disdik", report_id)
    expired = partner_token(settings, "disdik", ttl=timedelta(seconds=-5))
    forged = jwt.encode({"sub": "x", "aud": "kentongan:partner", "iss": settings.jwt_issuer, "agency": "disdik",
                         "exp": 4_000_000_000}, "not-the-secret-but-long-enough-0000000", algorithm="HS256")
    for headers, status in (({"Authorization": f"Bearer {expired}"}, 401), ({"Authorization": f"Bearer {forged}"}, 401),
                            ({}, 401), (operator_headers("admin"), 403)):
        for method, path in (("GET", ""), ("POST", "/accept")):
            response = await intake.request(method, f"/v1/referrals/{referral_id}{path}", headers=headers)
            assert response.status_code == status, (headers, path)
    listed = await intake.get("/v1/referrals", headers={"Authorization": f"Bearer {forged}"})
    assert listed.status_code == 401


async def _when_count(events_awaitable, count):
    events = await events_awaitable
    return events if len(events) >= count else None


async def test_what_the_agency_and_supervisor_write_is_sealed_on_the_referral_row(
        intake, submit, report_body, partner_headers, operator_headers, referral_id_for, database):
    secret = uuid4().hex[:12]
    report_id, _ = await submit(report_body(consent={"share_with_agencies": False, "contact_me": False}))
    released = await intake.post(f"/v1/staff/reports/{report_id}/referrals", json={"reason": f"override-{secret}"},
                                 headers=operator_headers("supervisor"))
    assert released.status_code == 201, released.text
    referral_id = await referral_id_for("disdik", report_id)
    disdik = partner_headers("disdik")
    for step, body in (("accept", {"note": f"accept-{secret}"}), ("progress", {"note": f"progress-{secret}"}),
                       ("close", {"outcome": f"outcome-{secret}"})):
        assert (await intake.post(f"/v1/referrals/{referral_id}/{step}", json=body, headers=disdik)).status_code == 200
    detail = (await intake.get(f"/v1/referrals/{referral_id}", headers=disdik)).json()
    assert detail["outcome"] == f"outcome-{secret}"
    assert [t.get("note") for t in detail["timeline"]] == [None, f"accept-{secret}", f"progress-{secret}", None]
    async with database.connect() as conn:
        row = (await conn.execute(text("SELECT * FROM report_intake.referrals WHERE id = :id"),
                                  {"id": referral_id})).mappings().one()
    raw = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row.values())
    assert secret.encode() not in raw
    assert row["status"] == "closed" and row["key_id"] == DATA_KEY_ID  # the case's own data key
