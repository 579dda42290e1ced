"""Reporter updates: a reporter who consented hears by SMS that the case was referred or answered; nobody else.

What was published is read back twice: from `reporter.updates.v1` with a real consumer, and as the raw JSON
staged in the outbox (exactly what the relay sends), which also proves that nothing is still on its way.
"""

import json
from uuid import uuid4

from sqlalchemy import text

from kentongan.dev.testing import eventually
from kentongan.events import topics
from kentongan.events.reports import ReporterUpdate

PHONE = "0813-7777-0202"  # as a reporter types it
E164 = "+6281377770202"  # as the SMS goes out
CONSENTED = {"share_with_agencies": True, "contact_me": True}
UPDATE_FIELDS = {"report_id", "update", "sms_to", "at"}


async def _staged(database, topic: str, keys: list[str]) -> list[dict]:
    """The payloads report-intake committed for `topic` under these keys, in publication order."""
    async with database.connect() as conn:
        rows = await conn.execute(text("SELECT value FROM report_intake.outbox WHERE topic = :topic "
                                       "AND key = ANY(:keys) ORDER BY seq"), {"topic": topic, "keys": keys})
        return [json.loads(value) for (value,) in rows]


def _child_sexual_violence(report_body, contact, consent=CONSENTED) -> dict:
    # Triage refers a child victim of sexual violence at a school to both DP3A and Disdik.
    return report_body(category="sexual_violence", school="SD Negeri 1 Semarang", contact=contact,
                       consent=consent)


async def _published(topic_events, topic: str, key: str, count: int) -> list:
    """The events under `key` on `topic`, once at least `count` of them are out."""
    async def enough():
        events = await topic_events(topic, key)
        return events if len(events) >= count else None

    return await eventually(enough)


async def _updates_on_topic(topic_events, bus, report_id: str, count: int) -> list[tuple[ReporterUpdate, str]]:
    """Each update with the phone it carries sealed, opened as notifier does."""
    return [(event.data, bus.open(event, "sms_to"))
            for event in await _published(topic_events, topics.REPORTER_UPDATES, report_id, count)]


async def test_a_consenting_reporter_hears_once_of_a_referral_to_two_agencies_then_of_each_answer(
        intake, submit, report_body, partner_headers, referral_id_for, topic_events, database, bus):
    report_id, _ = await submit(_child_sexual_violence(report_body, {"phone": PHONE, "safe_to_contact": True}))
    dp3a = await referral_id_for("dp3a", report_id)
    assert dp3a is not None and await referral_id_for("disdik", report_id) is not None
    [(referred, phone)] = await _updates_on_topic(topic_events, bus, report_id, 1)
    assert (str(referred.report_id), referred.update, phone) == (report_id, "referred", E164)

    accepted = await intake.post(f"/v1/referrals/{dp3a}/accept", headers=partner_headers("dp3a"))
    assert accepted.status_code == 200
    written = await intake.post(f"/v1/referrals/{dp3a}/messages", json={"body": "Kami akan menghubungi Anda."},
                                headers=partner_headers("dp3a"))
    assert written.status_code == 201

    updates = await _updates_on_topic(topic_events, bus, report_id, 3)
    assert [(u.update, phone) for u, phone in updates] == [("referred", E164), ("answered", E164),
                                                            ("answered", E164)]
    staged = await _staged(database, topics.REPORTER_UPDATES, [report_id])
    assert [payload["update"] for payload in staged] == ["referred", "answered", "answered"]
    assert all(set(payload) == UPDATE_FIELDS for payload in staged)
    assert not any("7777" in json.dumps(payload) for payload in staged)  # the phone is sealed in the outbox


async def test_the_phone_never_rides_on_referral_events(intake, submit, report_body, partner_headers,
                                                        referral_id_for, database):
    report_id, _ = await submit(_child_sexual_violence(report_body, {"phone": PHONE, "safe_to_contact": True}))
    referral_ids = [await referral_id_for(agency, report_id) for agency in ("dp3a", "disdik")]
    await intake.post(f"/v1/referrals/{referral_ids[0]}/accept", headers=partner_headers("dp3a"))

    staged = await _staged(database, topics.REFERRALS, referral_ids)
    assert len(staged) == 3
    assert not any("sms_to" in payload for payload in staged)


async def test_a_supervisor_release_tells_a_consenting_reporter_once(
        intake, submit, report_body, operator_headers, topic_events, database, bus):
    withheld = {"share_with_agencies": False, "contact_me": True}
    report_id, _ = await submit(_child_sexual_violence(report_body, {"phone": PHONE, "safe_to_contact": True},
                                                       withheld))
    assert await _staged(database, topics.REPORTER_UPDATES, [report_id]) == []  # nothing referred yet
    path = f"/v1/staff/reports/{report_id}/referrals"
    for agency in ("dp3a", "disdik"):  # released one agency at a time: still one "referred"
        released = await intake.post(path, json={"reason": "anak dalam bahaya", "agencies": [agency]},
                                     headers=operator_headers("supervisor"))
        assert released.status_code == 201, released.text

    [(update, phone)] = await _updates_on_topic(topic_events, bus, report_id, 1)
    assert (update.update, phone) == ("referred", E164)
    assert len(await _staged(database, topics.REPORTER_UPDATES, [report_id])) == 1


async def test_without_consent_or_a_safe_phone_the_reporter_hears_nothing(
        intake, submit, report_body, partner_headers, referral_id_for, topic_events, database):
    silent = {
        "no consent to contact": ({"phone": PHONE, "safe_to_contact": True},
                                  {"share_with_agencies": True, "contact_me": False}),
        "phone not safe": ({"phone": PHONE, "safe_to_contact": False}, CONSENTED),
        "email only": ({"email": f"r-{uuid4().hex[:8]}@example.org", "safe_to_contact": True}, CONSENTED),
    }
    for case, (contact, consent) in silent.items():
        report_id, _ = await submit(_child_sexual_violence(report_body, contact, consent))
        referral_id = await referral_id_for("dp3a", report_id)
        dp3a = partner_headers("dp3a")
        assert (await intake.post(f"/v1/referrals/{referral_id}/accept", headers=dp3a)).status_code == 200
        written = await intake.post(f"/v1/referrals/{referral_id}/messages", json={"body": "Halo"}, headers=dp3a)
        assert written.status_code == 201
        # The referral's own events were committed alongside: once they are out, an update would be too.
        await _published(topic_events, topics.REFERRALS, referral_id, 2)
        assert await _staged(database, topics.REPORTER_UPDATES, [report_id]) == [], case
        assert await topic_events(topics.REPORTER_UPDATES, report_id) == [], case
