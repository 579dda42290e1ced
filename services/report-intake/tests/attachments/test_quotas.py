"""The per-address upload quota: one address uploading to several cases (a new case token each time does not
help) is stopped at the hourly limit, on the multipart and the resumable path alike; other addresses are
not."""

import media_samples as samples
import pytest

PER_ADDRESS = 4
CLIENT = {"X-Forwarded-For": "203.0.113.7"}  # the address the (trusted) proxy was reached from
NEIGHBOUR = {"X-Forwarded-For": "203.0.113.8"}


@pytest.fixture(scope="module")
def evidence_settings(evidence_settings):
    """This module's app: a small per-address quota, and the test client trusted as the proxy in front."""
    return evidence_settings.model_copy(update={"uploads_per_address_per_hour": PER_ADDRESS,
                                                "trusted_proxies": "127.0.0.1/32"})


async def upload(intake, report_id, token, address):
    return await intake.post(f"/v1/reports/{report_id}/attachments",
                             files=[("files", ("a.png", samples.png(), "image/png"))],
                             headers={"X-Case-Token": token, **address})


async def test_one_address_with_several_case_tokens_is_stopped_at_its_quota(intake, submit, report_body):
    cases = [await submit(report_body()) for _ in range(3)]
    statuses = [(await upload(intake, *cases[i % 3], CLIENT)).status_code for i in range(PER_ADDRESS - 1)]
    resumable = await intake.post(f"/v1/reports/{cases[0][0]}/uploads", headers={
        "Tus-Resumable": "1.0.0", "X-Case-Token": cases[0][1], "Upload-Length": "100", **CLIENT})
    assert [*statuses, resumable.status_code] == [201] * PER_ADDRESS  # the quota, all used
    for report_id, token in cases:  # a case token it has not used yet does not reset the address's quota
        refused = await upload(intake, report_id, token, CLIENT)
        assert refused.status_code == 429, refused.text
        assert "retry-after" in {key.lower() for key in refused.headers}
    again = await intake.post(f"/v1/reports/{cases[2][0]}/uploads", headers={
        "Tus-Resumable": "1.0.0", "X-Case-Token": cases[2][1], "Upload-Length": "100", **CLIENT})
    assert again.status_code == 429
    assert (await upload(intake, *cases[1], NEIGHBOUR)).status_code == 201  # another address still uploads
