"""Attachments on the S3 store (moto's S3 server): a bucket that does not exist yet and a server that went
down answer a 503 that tells the client to retry and nothing about the setup; with the bucket there, evidence
goes in and comes out through S3."""

import media_samples as samples
import pytest
from moto.server import ThreadedMotoServer

from kentongan.dev.stack import free_port
from report_intake.main import create_app
from report_intake.settings import Settings

GENERIC = {"error": "object_store_unavailable", "detail": "object storage is temporarily unavailable; retry"}


@pytest.fixture(scope="module")
def moto():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def intake(serve, stack, moto):
    host, port = moto.get_host_and_port()
    settings = Settings(blob_store="s3", s3_endpoint_url=f"http://{host}:{port}", s3_bucket="kentongan-evidence",
                        s3_access_key_id="test", s3_secret_access_key="test", s3_sse="AES256")
    app = create_app(settings)
    async with serve(app) as client:
        client.app = app
        yield client


async def post(intake, report_id, token):
    return await intake.post(f"/v1/reports/{report_id}/attachments", headers={"X-Case-Token": token},
                             files=[("files", ("a.jpg", samples.jpeg_with_gps(), "image/jpeg"))])


async def test_evidence_through_s3_and_its_failures(intake, moto, case, partner_headers):
    report_id, token, referral_id = case
    missing_bucket = await post(intake, report_id, token)
    assert missing_bucket.status_code == 503 and missing_bucket.json() == GENERIC
    assert "kentongan-evidence" not in missing_bucket.text and "127.0.0.1" not in missing_bucket.text

    await (await intake.app.state.evidence.store._s3()).create_bucket(Bucket="kentongan-evidence")
    stored = await post(intake, report_id, token)
    assert stored.status_code == 201, stored.text
    attachment_id = stored.json()[0]["id"]
    url = f"/v1/referrals/{referral_id}/attachments/{attachment_id}"
    got = await intake.get(url, headers=partner_headers("disdik"))
    assert got.status_code == 200 and got.content.startswith(b"\xff\xd8\xff")

    moto.stop()
    try:
        down = await intake.get(url, headers=partner_headers("disdik"))
        assert down.status_code == 503 and down.json() == GENERIC
        assert (await post(intake, report_id, token)).status_code == 503
    finally:
        moto.start()
