"""A reporter who consented hears of their case by SMS: report-intake -> reporter.updates.v1 -> notifier, one
discreet message when the case is referred and one when the agency answers, through the real processes."""

import random

import httpx

from kentongan.dev.testing import eventually


async def test_a_consenting_reporter_is_texted_when_referred_and_when_the_agency_answers(
        services, partner_headers, operator_headers):
    intake_url = services.start("report-intake").url
    # A consumer group of its own: the embedded broker never expires a member that vanished without leaving,
    # so a notifier consumer left behind by an earlier test would stall the shared group for good.
    notifier_url = services.start("notifier", NOTIFIER_CONSUMER_GROUP="notifier-e2e").url
    phone = f"+62812{random.randint(10**7, 10**8 - 1)}"
    body = {
        "category": "domestic_violence", "narrative": "Suami saya memukul saya setiap malam.",
        "location": {"kelurahan": "Tlogosari Kulon", "kecamatan": "Pedurungan"},
        "victim": {"age_group": "adult", "gender": "female", "is_reporter": True},
        "perpetrator_relation": "family", "anonymous": True,
        "contact": {"phone": phone, "safe_to_contact": True},
        "consent": {"share_with_agencies": True, "contact_me": True},
    }
    async with (httpx.AsyncClient(base_url=intake_url, timeout=10) as intake,
                httpx.AsyncClient(base_url=notifier_url, headers=operator_headers("admin"),
                                  timeout=10) as notifier):
        submitted = await intake.post("/v1/reports", json=body)
        assert submitted.status_code == 201, submitted.text
        report_id = submitted.json()["report_id"]

        async def texts(count: int):
            messages = (await notifier.get("/v1/dev/outbox", params={"target": phone})).json()["items"]
            return messages if len(messages) >= count else None

        [referred] = await eventually(lambda: texts(1), timeout_s=60)

        dp3a = partner_headers("dp3a")
        referrals = (await intake.get("/v1/referrals", headers=dp3a, params={"limit": 200})).json()["items"]
        [referral_id] = [r["id"] for r in referrals if r["report_id"] == report_id]
        accepted = await intake.post(f"/v1/referrals/{referral_id}/accept", headers=dp3a)
        assert accepted.status_code == 200, accepted.text
        messages = await eventually(lambda: texts(2), timeout_s=30)

    assert len(messages) == 2 and messages[0] == referred
    for message in messages:
        assert message["channel"] == "sms"
        text = f"{message['payload']['title']} {message['payload']['body']}".lower()
        assert "kabar baru" in text and "dp3a" not in text and "kekerasan" not in text and "suami" not in text
