"""SSRF: every endpoint that stores a URL the platform will later call refuses inside targets in every
spelling, with a 422 naming the field; provider URLs in settings are refused at start-up; the delivery
client refuses them at send time. The apps here run with private targets NOT allowed (the test stack allows
them for the other suites' local receivers)."""

import csv
import io
from uuid import uuid4

import orjson
import pytest
from pydantic import ValidationError

from cctv_ingest.main import create_app as create_cctv
from cctv_ingest.settings import Settings as CctvSettings
from kentongan.outbound import outbound_client
from notifier.channels.base import Outgoing
from notifier.channels.http import WebhookChannel
from notifier.main import create_app as create_notifier
from notifier.settings import Settings as NotifierSettings
from notifier.webhook_urls import webhook_policy

# The spellings of finding 3: metadata, loopback, private, link-local and reserved hosts, written as an
# attacker would to slip past a naive check.
INSIDE = [
    "http://169.254.169.254/latest/meta-data/iam/",
    "http://[::ffff:169.254.169.254]/latest",
    "http://2852039166/latest",
    "http://0xa9.0xfe.0xa9.0xfe/latest",
    "http://0251.0376.0251.0376/latest",
    "http://169.254.169.254./latest",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://127.0.0.1:8004/metrics",
    "http://127.1:8005/v1/dev/outbox",
    "http://localhost:8002/",
    "http://localhost./",
    "http://[::1]:8001/",
    "http://[fd00::1]/",
    "http://10.0.0.5/",
    "http://192.168.1.1/admin",
    "http://0.0.0.0:8003/",
    "http://[fe80::1%25eth0]/",
    "http://127.0.0.1\\@example.org/",
]
# Cameras live on private LANs (10/8, 192.168/16, fd00::/8 are allowed for them); the rest above is not.
LANS = ("http://10.", "http://192.168.", "http://[fd00::")
CAMERA_INSIDE = [url for url in INSIDE if not url.startswith(LANS)]


@pytest.fixture(scope="module")
async def notifier(serve):
    async with serve(create_notifier(NotifierSettings(outbound_allow_private=False))) as client:
        yield client


@pytest.fixture(scope="module")
async def cctv(serve, tmp_path_factory):
    settings = CctvSettings(outbound_allow_private=False, ingest_enabled=False,
                            blob_dir=str(tmp_path_factory.mktemp("ssrf-blobs")))
    async with serve(create_cctv(settings)) as client:
        yield client


def _refused(response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert field in {problem["field"] for problem in response.json()["detail"]}, response.text


@pytest.mark.parametrize("url", INSIDE)
async def test_a_partner_cannot_subscribe_an_inside_url(notifier, partner_headers, url):
    body = {"url": url, "event_types": ["kentongan.referral.created"]}
    response = await notifier.post("/v1/subscriptions", json=body, headers=partner_headers("dp3a"))
    _refused(response, "url")
    assert response.json()["error"] in ("invalid_url", "validation_error")


def _representative(code: str, webhook: str) -> dict:
    # Placed in the South Atlantic, far from every other test's incidents: nothing is ever broadcast to it.
    return {"code": code, "name": "Pak RT", "role": "rt", "kecamatan": "Tugu", "kelurahan": "Randugarut",
            "rw": "01", "rt": "01", "lat": -45.5, "lon": -20.5,
            "contacts": [{"channel": "sms", "address": "+628123456"},
                         {"channel": "webhook", "address": webhook}]}


@pytest.mark.parametrize("url", INSIDE)
async def test_an_admin_cannot_give_a_representative_an_inside_webhook(notifier, operator_headers, url):
    code = f"SSRF-{uuid4().hex[:8]}"
    response = await notifier.put(f"/v1/representatives/{code}", json=_representative(code, url),
                                  headers=operator_headers("admin"))
    _refused(response, "contacts.1.address")
    assert (await notifier.get(f"/v1/representatives/{code}", headers=operator_headers())).status_code == 404


async def test_a_representatives_import_with_inside_webhooks_imports_nothing(notifier, operator_headers):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "name", "kecamatan", "kelurahan", "rw", "rt", "lat", "lon", "sms", "webhook"])
    codes = [f"SSRF-{uuid4().hex[:8]}" for _ in INSIDE]
    for code, url in zip(codes, INSIDE, strict=True):
        writer.writerow([code, "Bu RT", "Tugu", "Randugarut", "01", "02", "-45.5", "-20.5", "+62811", url])
    response = await notifier.post("/v1/representatives/import", content=out.getvalue(),
                                   headers={**operator_headers("admin"), "content-type": "text/csv"})
    assert response.status_code == 422, response.text
    refused_lines = {p["line"] for p in response.json()["detail"] if p["field"] == "webhook"}
    assert refused_lines == set(range(2, len(INSIDE) + 2))
    first = await notifier.get(f"/v1/representatives/{codes[0]}", headers=operator_headers())
    assert first.status_code == 404


async def test_a_public_webhook_is_still_accepted(notifier, operator_headers):
    code = f"SSRF-{uuid4().hex[:8]}"
    body = _representative(code, "http://93.184.216.34/hooks/rt")
    response = await notifier.put(f"/v1/representatives/{code}", json=body, headers=operator_headers("admin"))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("setting", ["sms_url", "push_url"])
@pytest.mark.parametrize("url", ["http://169.254.169.254/sms", "http://2852039166/",
                                 "http://[::1]:9000/push"])
def test_provider_urls_pointing_inside_refuse_to_start(setting, url):
    with pytest.raises(ValidationError, match=f"NOTIFIER_{setting.upper()}"):
        NotifierSettings(outbound_allow_private=False, **{setting: url})
    NotifierSettings(outbound_allow_private=False, **{setting: "https://sms.example.co.id/v1/send"})


async def test_a_webhook_stored_before_the_policy_is_not_called_at_send_time(stack):
    """A URL already in the database (stored before this check existed) is refused by the client itself."""
    policy = webhook_policy(NotifierSettings(outbound_allow_private=False))
    async with outbound_client(policy, timeout_s=2) as client:
        for url in ("http://127.0.0.1:9/hook", "http://2852039166/latest", "http://localhost./x"):
            sent = await WebhookChannel(client).send(Outgoing(uuid4(), "webhook", url, {"type": "t"}))
            assert not sent.ok and "outbound policy" in sent.error


def _camera(url: str) -> dict:
    return {"id": f"ssrf-{uuid4().hex[:10]}", "name": "Simpang Lima", "lat": -6.9903, "lon": 110.4229,
            "stream_url": url, "enabled": False}


@pytest.mark.parametrize("url", CAMERA_INSIDE)
async def test_a_camera_cannot_point_at_the_platform_or_the_metadata_service(cctv, operator_headers, url):
    admin = operator_headers("admin")
    _refused(await cctv.post("/v1/cameras", json=_camera(url), headers=admin), "stream_url")
    existing = _camera("rtsp://viewer:pw@10.20.30.40:554/Streaming/Channels/102")  # an NVR on the city LAN
    assert (await cctv.post("/v1/cameras", json=existing, headers=admin)).status_code == 201
    _refused(await cctv.patch(f"/v1/cameras/{existing['id']}", json={"stream_url": url}, headers=admin),
             "stream_url")


async def test_a_camera_import_with_inside_urls_imports_nothing(cctv, operator_headers):
    admin = operator_headers("admin")
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [110.42, -6.99]},
                 "properties": {"id": f"ssrf-{uuid4().hex[:10]}", "name": "X", "stream_url": url}}
                for url in CAMERA_INSIDE]
    geojson = orjson.dumps({"type": "FeatureCollection", "features": features})
    response = await cctv.post("/v1/cameras/import", content=geojson,
                               headers={**admin, "content-type": "application/geo+json"})
    assert response.status_code == 422, response.text
    assert {p["row"] for p in response.json()["detail"]} == set(range(len(CAMERA_INSIDE)))
    header = "id,name,lat,lon,stream_url\n"
    rows = "".join(f"ssrf-{uuid4().hex[:10]},X,-6.99,110.42,{url}\n" for url in ("http://169.254.169.254/",
                                                                                   "rtsp://127.1/x"))
    response = await cctv.post("/v1/cameras/import", content=header + rows,
                               headers={**admin, "content-type": "text/csv"})
    assert response.status_code == 422, response.text
    refused = [(p["row"], p["field"]) for p in response.json()["detail"]]
    assert refused == [(2, "stream_url"), (3, "stream_url")]
