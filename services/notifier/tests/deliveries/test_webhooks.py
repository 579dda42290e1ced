"""Partner webhooks through the real broker: signed per Standard Webhooks, retried, dead-lettered, replayed."""

import json
from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from kentongan.dev.testing import eventually
from kentongan.events import Envelope
from kentongan.events.referrals import ReferralCreated, ReferralDeclined, ReferralWithdrawn
from notifier.models import Delivery
from notifier.subscriptions.handlers import on_partner_event


def referral(agency: str) -> ReferralCreated:
    return ReferralCreated(referral_id=uuid4(), report_id=uuid4(), agency=agency, category="domestic_violence",
                           victim_age_group="adult", status="created", changed_at=datetime.now(UTC), version=1)


async def _subscribe(notifier, partner_headers, agency: str, url: str, event_types: list[str] | None = None) -> dict:
    body = {"url": url, "event_types": event_types or [ReferralCreated.ce_type]}
    response = await notifier.post("/v1/subscriptions", json=body, headers=partner_headers(agency))
    assert response.status_code == 201, response.text
    return response.json()


async def _delivery(notifier, headers, event_id: str, statuses: tuple[str, ...]) -> dict:
    async def settled():
        found = [d for d in (await notifier.get("/v1/deliveries", headers=headers)).json()["items"] if d["event_id"] == event_id]
        return found[0] if found and found[0]["status"] in statuses else None

    return await eventually(settled, timeout_s=20)


async def test_a_partner_receives_a_referral_whose_signature_verifies(notifier, partner_headers, receiver, publish):
    agency = f"dp3a-{uuid4().hex[:6]}"
    path = f"/{agency}"
    subscription = await _subscribe(notifier, partner_headers, agency, receiver.url(path))
    other_path = f"/other-{agency}"
    await _subscribe(notifier, partner_headers, f"disdik-{agency}", receiver.url(other_path))
    event = referral(agency)
    await publish(event)

    [request] = await eventually(lambda: _received(receiver, path))
    payload = Webhook(subscription["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "kentongan.referral.created"
    assert payload["data"]["referral_id"] == str(event.referral_id)
    assert request.headers["webhook-id"].startswith("msg_")
    assert receiver.to(other_path) == []  # another agency's referral never reaches it


async def test_a_partner_subscribed_to_withdrawals_is_told_to_erase_a_case(notifier, partner_headers, receiver,
                                                                            publish):
    """A reporter erased the case (report-intake): the agency holding it hears so, and must erase its copy."""
    agency = f"dp3a-{uuid4().hex[:6]}"
    subscription = await _subscribe(notifier, partner_headers, agency, receiver.url(f"/{agency}"),
                                    [ReferralCreated.ce_type, ReferralWithdrawn.ce_type])
    event = ReferralWithdrawn(referral_id=uuid4(), report_id=uuid4(), agency=agency, status="withdrawn",
                              changed_at=datetime.now(UTC), version=3, reason="erasure_requested")
    await publish(event)
    [request] = await eventually(lambda: _received(receiver, f"/{agency}"))
    payload = Webhook(subscription["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "kentongan.referral.withdrawn"
    assert (payload["data"]["referral_id"], payload["data"]["reason"]) == (str(event.referral_id),
                                                                         "erasure_requested")


async def test_a_partner_pages_through_its_deliveries_newest_first(notifier, partner_headers, receiver, publish):
    agency = f"dp3a-{uuid4().hex[:6]}"
    headers = partner_headers(agency)
    await _subscribe(notifier, partner_headers, agency, receiver.url(f"/{agency}"))
    for _ in range(3):
        await publish(referral(agency))
    await eventually(lambda: _received(receiver, f"/{agency}", 3))

    async def all_three():
        page = (await notifier.get("/v1/deliveries", params={"limit": 500}, headers=headers)).json()
        return page["items"] if len(page["items"]) == 3 else None
    everything = await eventually(all_three)
    first = (await notifier.get("/v1/deliveries", params={"limit": 2}, headers=headers)).json()
    second = (await notifier.get("/v1/deliveries", params={"limit": 2, "after": first["next"]},
                                 headers=headers)).json()
    assert [d["id"] for d in first["items"] + second["items"]] == [d["id"] for d in everything]
    assert second["next"] is None
    created = [d["created_at"] for d in everything]
    assert created == sorted(created, reverse=True)
    bad = await notifier.get("/v1/deliveries", params={"after": "bm90IGEgY3Vyc29y"}, headers=headers)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_cursor" and "after" in bad.json()["detail"]


async def _received(receiver, path, count: int = 1):
    return receiver.to(path) if len(receiver.to(path)) >= count else None


async def test_a_redirect_is_not_followed(notifier, partner_headers, receiver, publish):
    """The partner's URL was checked when it subscribed; where that URL redirects to was not."""
    agency = f"dp3a-{uuid4().hex[:6]}"
    elsewhere = f"/{agency}/elsewhere"
    receiver.redirects[f"/{agency}"] = receiver.url(elsewhere)
    await _subscribe(notifier, partner_headers, agency, receiver.url(f"/{agency}"))
    envelope = await publish(referral(agency))

    delivery = await _delivery(notifier, partner_headers(agency), envelope.id, ("retrying", "dead"))

    assert delivery["attempts"][0]["outcome"] == "failed" and delivery["attempts"][0]["status_code"] == 307
    assert len(receiver.to(f"/{agency}")) >= 1 and receiver.to(elsewhere) == []


async def test_a_receiver_failing_three_times_then_succeeding_has_one_successful_delivery(
        notifier, partner_headers, receiver, publish):
    agency = f"dp3a-{uuid4().hex[:6]}"
    url = receiver.on(f"/{agency}", 500, 503, 500)
    await _subscribe(notifier, partner_headers, agency, url)
    envelope = await publish(referral(agency))

    delivery = await _delivery(notifier, partner_headers(agency), envelope.id, ("delivered",))

    assert [a["outcome"] for a in delivery["attempts"]] == ["failed", "failed", "failed", "delivered"]
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 500, 200]
    requests = receiver.to(f"/{agency}")
    assert len(requests) == 4 and len({r.headers["webhook-id"] for r in requests}) == 1


async def test_a_dead_receiver_is_dead_lettered_and_a_replay_delivers(notifier, partner_headers, receiver, publish):
    agency = f"dp3a-{uuid4().hex[:6]}"
    url = receiver.on(f"/{agency}", *[500] * 1000)
    await _subscribe(notifier, partner_headers, agency, url)
    envelope = await publish(referral(agency))
    dead = await _delivery(notifier, partner_headers(agency), envelope.id, ("dead",))
    assert len(dead["attempts"]) >= 2 and all(a["outcome"] == "failed" for a in dead["attempts"])

    other = await notifier.post(f"/v1/deliveries/{dead['id']}/retry", headers=partner_headers("someone-else"))
    assert other.status_code == 404
    receiver.scripts[f"/{agency}"] = []  # the partner fixed its endpoint
    replay = await notifier.post(f"/v1/deliveries/{dead['id']}/retry", headers=partner_headers(agency))
    assert replay.status_code == 202
    delivered = await _delivery(notifier, partner_headers(agency), envelope.id, ("delivered",))
    assert delivered["attempts"][-1]["outcome"] == "delivered"
    again = await notifier.post(f"/v1/deliveries/{dead['id']}/retry", headers=partner_headers(agency))
    assert again.status_code == 409


async def test_a_partner_receives_the_sealed_text_in_clear_and_notifier_keeps_it_only_sealed(
        notifier, partner_headers, receiver, publish):
    agency = f"dp3a-{uuid4().hex[:6]}"
    subscription = await _subscribe(notifier, partner_headers, agency, receiver.url(f"/{agency}"),
                                    [ReferralCreated.ce_type, ReferralDeclined.ce_type])
    bus, secret = notifier.app.state.bus, uuid4().hex[:12]
    created = referral(agency)
    created = created.model_copy(update={"contact": bus.seal(ReferralCreated, created.referral_id, "contact",
                                                             {"phone": f"+6281{secret[:6]}", "email": None})})
    declined = ReferralDeclined(referral_id=created.referral_id, report_id=created.report_id, agency=agency,
                                status="declined", changed_at=datetime.now(UTC), version=2,
                                reason=bus.seal(ReferralDeclined, created.referral_id, "reason", f"sebab {secret}"))
    async with notifier.app.state.sessionmaker() as session:  # queued, not sent: what waits in PostgreSQL
        await on_partner_event(session, Envelope.wrap(declined, "/tests"), notifier.app.state.keyring, bus)
        waiting = (await session.execute(select(Delivery.payload, Delivery.payload_key_id)
                                         .where(Delivery.subscription_id == subscription["id"]))).one()
        await session.rollback()
    assert secret not in json.dumps(waiting.payload) and waiting.payload_key_id is not None

    envelopes = [await publish(created), await publish(declined)]
    requests = await eventually(lambda: _received(receiver, f"/{agency}", 2))
    payloads = [Webhook(subscription["secret"]).verify(r.body, r.headers) for r in requests]
    assert payloads[0]["data"]["contact"] == {"phone": f"+6281{secret[:6]}", "email": None}
    assert payloads[1]["data"]["reason"] == f"sebab {secret}"

    async def emptied():  # once delivered, nothing of the payload is kept
        async with notifier.app.state.sessionmaker() as session:
            stored = (await session.execute(select(Delivery.payload, Delivery.payload_key_id).where(
                Delivery.event_id.in_([e.id for e in envelopes])))).all()
        return len(stored) == 2 and all(row.payload == {} and row.payload_key_id is None for row in stored)

    await eventually(emptied, timeout_s=10)
