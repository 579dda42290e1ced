"""The reporter's view: submit (anonymously), follow the case with the token only, talk to case workers."""

from uuid import UUID, uuid4

from sqlalchemy import text

from kentongan.datakeys import DATA_KEY_ID
from kentongan.dev.testing import eventually
from kentongan.events import topics


async def test_anonymous_report_gets_a_token_that_opens_its_case(intake, submit, report_body):
    report_id, token = await submit(report_body())
    by_header = await intake.get(f"/v1/reports/{report_id}", headers={"X-Case-Token": token})
    assert by_header.status_code == 200
    assert by_header.json()["status"] == "referred"
    assert [r["agency"] for r in by_header.json()["referrals"]] == ["disdik"]
    by_bearer = await intake.get(f"/v1/reports/{report_id}", headers={"Authorization": f"Bearer {token}"})
    assert by_bearer.status_code == 200 and by_bearer.json() == by_header.json()


async def test_wrong_or_missing_token_is_the_same_404_as_no_case(intake, submit, report_body):
    report_id, token = await submit(report_body())
    _, other_token = await submit(report_body())
    nothing = await intake.get(f"/v1/reports/{uuid4()}", headers={"X-Case-Token": token})
    for headers in ({}, {"X-Case-Token": token[:-1] + ("A" if token[-1] != "A" else "B")},
                    {"X-Case-Token": other_token}, {"Authorization": "Bearer nonsense"}):
        for path in ("", "/messages"):
            response = await intake.get(f"/v1/reports/{report_id}{path}", headers=headers)
            assert response.status_code == 404, (headers, path)
            assert response.json() == nothing.json()
    sneaky = await intake.post(f"/v1/reports/{report_id}/messages", json={"body": "halo"},
                               headers={"X-Case-Token": other_token})
    assert sneaky.status_code == 404
    thread = await intake.get(f"/v1/reports/{report_id}/messages", headers={"X-Case-Token": token})
    assert thread.json()["items"] == []


async def test_the_token_is_stored_only_as_a_hash_and_the_story_only_encrypted(intake, submit, report_body,
                                                                                 database):
    narrative = f"Saya dilecehkan oleh paman saya di rumah nenek — rahasia {uuid4()}"
    body = report_body(category="sexual_violence", narrative=narrative, perpetrator_relation="family",
                       contact={"phone": "+62 812 5555 0101", "safe_to_contact": True},
                       consent={"share_with_agencies": True, "contact_me": True})
    report_id, token = await submit(body)
    async with database.connect() as conn:
        row = (await conn.execute(text("SELECT * FROM report_intake.reports WHERE id = :id"),
                                  {"id": report_id})).mappings().one()
        dump = " ".join(str(v) for v in row.values())
        raw = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row.values())
    for secret in (narrative, "paman", "5555", token, "family", "003/005"):
        assert secret not in dump and secret.encode() not in raw, secret
    assert row["key_id"] == DATA_KEY_ID and len(row["case_token_hash"]) == 32  # sealed with the case's own key


async def test_reporter_and_agency_talk_through_the_case(intake, submit, report_body, partner_headers,
                                                         referral_id_for, topic_events):
    report_id, token = await submit(report_body())
    case = {"X-Case-Token": token}
    written = await intake.post(f"/v1/reports/{report_id}/messages", json={"body": "Tolong bantu kami 🙏"},
                                headers=case)
    assert written.status_code == 201 and written.json()["author"] == "reporter"
    referral_id = await referral_id_for("disdik", report_id)
    answer = await intake.post(f"/v1/referrals/{referral_id}/messages",
                               json={"body": "Kami akan menghubungi sekolah besok pagi."},
                               headers=partner_headers("disdik"))
    assert answer.status_code == 201
    thread = await intake.get(f"/v1/reports/{report_id}/messages", headers=case)
    assert [(m["author"], m["body"]) for m in thread.json()["items"]] == [
        ("reporter", "Tolong bantu kami 🙏"), ("disdik", "Kami akan menghubungi sekolah besok pagi.")]
    seen_by_agency = await intake.get(f"/v1/referrals/{referral_id}/messages", headers=partner_headers("disdik"))
    assert [m["author"] for m in seen_by_agency.json()["items"]] == ["reporter", "disdik"]
    events = await eventually(lambda: _of_type(topic_events(topics.REFERRALS, referral_id),
                                               "kentongan.referral.message_posted"))
    assert events[0].data.message_id == UUID(written.json()["id"])
    assert "Tolong" not in events[0].data.model_dump_json()


async def test_immediate_danger_publishes_an_urgent_report_without_the_story(intake, submit, report_body,
                                                                             topic_events):
    body = report_body(category="domestic_violence", immediate_danger=True,
                       victim={"age_group": "adult", "gender": "female", "is_reporter": True},
                       location={"lat": -7.05, "lon": 110.44, "kecamatan": "Tembalang"})
    report_id, _ = await submit(body)
    events = await eventually(lambda: topic_events(topics.REPORTS, report_id))
    assert [e.type for e in events] == ["kentongan.report.urgent"]
    urgent = events[0].data
    assert (urgent.lat, urgent.lon, urgent.area, urgent.category) == (-7.05, 110.44, "Tembalang",
                                                                     "domestic_violence")
    assert body["narrative"] not in events[0].data.model_dump_json()


async def test_a_calm_report_publishes_nothing_on_reports(intake, submit, report_body, topic_events,
                                                          referral_id_for):
    report_id, _ = await submit(report_body())
    referral_id = await referral_id_for("disdik", report_id)
    # The referral's event was staged in the same transaction: once it is out, so would be an urgent one.
    await eventually(lambda: topic_events(topics.REFERRALS, referral_id))
    assert await topic_events(topics.REPORTS, report_id) == []


async def _of_type(events_awaitable, ce_type):
    return [e for e in await events_awaitable if e.type == ce_type]
