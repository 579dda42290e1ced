"""Partner subscriptions: a secret on creation, partner event types only, own subscriptions only."""

from uuid import uuid4

import pytest

from kentongan.outbound import UnsafeUrl
from notifier.settings import Settings
from notifier.webhook_urls import check_webhook_url


async def test_a_partner_subscribes_and_gets_a_signing_secret(notifier, partner_headers, receiver):
    body = {"url": receiver.url("/dp3a"), "event_types": ["kentongan.referral.created"]}
    response = await notifier.post("/v1/subscriptions", json=body, headers=partner_headers("dp3a"))
    assert response.status_code == 201
    assert response.json()["secret"].startswith("whsec_") and response.json()["agency"] == "dp3a"
    listed = await notifier.get("/v1/subscriptions", params={"limit": 500}, headers=partner_headers("dp3a"))
    assert response.json()["id"] in [s["id"] for s in listed.json()["items"]]
    assert all("secret" not in s for s in listed.json()["items"])


async def test_a_partner_pages_through_its_subscriptions_oldest_first(notifier, partner_headers, receiver):
    headers = partner_headers(f"dp3a-{uuid4().hex[:6]}")
    created = [(await notifier.post("/v1/subscriptions", headers=headers, json={
        "url": receiver.url(f"/page-{i}"), "event_types": ["kentongan.referral.created"]})).json()["id"]
        for i in range(2)]
    first = (await notifier.get("/v1/subscriptions", params={"limit": 1}, headers=headers)).json()
    second = (await notifier.get("/v1/subscriptions", params={"limit": 1, "after": first["next"]},
                                 headers=headers)).json()
    assert [s["id"] for s in first["items"] + second["items"]] == created and second["next"] is None


async def test_a_partner_cannot_see_or_delete_another_partners_subscription(notifier, partner_headers, receiver):
    body = {"url": receiver.url("/disdik"), "event_types": ["kentongan.referral.created"]}
    created = (await notifier.post("/v1/subscriptions", json=body, headers=partner_headers("disdik"))).json()
    others = await notifier.get("/v1/subscriptions", headers=partner_headers("dp3a-other"))
    assert created["id"] not in [s["id"] for s in others.json()["items"]]
    deleted = await notifier.delete(f"/v1/subscriptions/{created['id']}", headers=partner_headers("dp3a-other"))
    assert deleted.status_code == 404
    assert (await notifier.delete(f"/v1/subscriptions/{created['id']}",
                                  headers=partner_headers("disdik"))).status_code == 204


async def test_incident_events_and_bad_urls_are_refused_naming_the_field(notifier, partner_headers, receiver):
    incidents = {"url": receiver.url("/x"), "event_types": ["kentongan.incident.opened"]}
    refused = await notifier.post("/v1/subscriptions", json=incidents, headers=partner_headers("dp3a"))
    assert refused.status_code == 422 and "event_types" in refused.json()["detail"]
    bad_url = {"url": "ftp://example.org/hook", "event_types": ["kentongan.referral.created"]}
    refused = await notifier.post("/v1/subscriptions", json=bad_url, headers=partner_headers("dp3a"))
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "url"
    staff = await notifier.post("/v1/subscriptions", json=incidents, headers={})
    assert staff.status_code == 401


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://localhost:8443/x", "https://10.1.2.3/x",
                                 "https://169.254.169.254/latest", "https://[::1]/x", "http://example.org/x"])
async def test_production_refuses_loopback_private_and_plain_http_targets(url):
    production = Settings(outbound_allow_private=False).model_copy(update={"environment": "production"})
    with pytest.raises(UnsafeUrl):
        await check_webhook_url(url, "url", production)
