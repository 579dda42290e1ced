"""The resumable upload (tus 1.0): a video survives a connection dropped mid-upload, resumed from the offset
the server reports; the finished upload is an attachment like any other."""

import asyncio
import base64
import hashlib
import io

import av
import media_samples as samples
import pytest

from kentongan.dev.testing import eventually

TUS = {"Tus-Resumable": "1.0.0"}


def metadata(**fields: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in fields.items())


async def create(intake, report_id, token, length, **fields):
    response = await intake.post(f"/v1/reports/{report_id}/uploads", headers={
        **TUS, "X-Case-Token": token, "Upload-Length": str(length), "Upload-Metadata": metadata(**fields)})
    assert response.status_code == 201, response.text
    return response.headers["Location"]


async def offset_of(intake, location, token) -> int:
    response = await intake.head(location, headers={**TUS, "X-Case-Token": token})
    assert response.status_code == 200
    return int(response.headers["Upload-Offset"])


async def patch(intake, location, token, offset, data):
    return await intake.patch(location, content=data, headers={
        **TUS, "X-Case-Token": token, "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream"})


async def dropped_patch(port: int, location: str, token: str, offset: int, data: bytes, sent: int) -> None:
    """A PATCH announcing all of `data` whose connection breaks after `sent` bytes (a phone losing signal)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
            f"X-Case-Token: {token}\r\nUpload-Offset: {offset}\r\n"
            "Content-Type: application/offset+octet-stream\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    writer.write(head + data[:sent])
    await writer.drain()
    await asyncio.sleep(0.5)  # the server has read what was sent
    writer.transport.abort()  # no FIN handshake, no rest: the connection is simply gone
    del reader


async def test_a_video_survives_a_dropped_connection_and_resumes(intake, listening, case, partner_headers,
                                                                 tmp_path):
    report_id, token, referral_id = case
    video = samples.mp4_with_location(tmp_path / "v.mp4", seconds=8, size=(320, 240))
    assert len(video) > 80_000
    location = await create(intake, report_id, token, len(video), filename="VID_2026.mp4")
    assert await offset_of(intake, location, token) == 0

    await dropped_patch(listening, location, token, 0, video, sent=50_000)
    resumed_at = await eventually(lambda: offset_of(intake, location, token))
    assert 0 < resumed_at <= 50_000  # what arrived before the drop is kept

    stale = await patch(intake, location, token, 0, video)
    assert stale.status_code == 409  # not where the upload stands
    done = await patch(intake, location, token, resumed_at, video[resumed_at:])
    assert done.status_code == 204, done.text
    assert int(done.headers["Upload-Offset"]) == len(video)
    attachment_id = done.headers["Attachment-Id"]
    assert (await intake.head(location, headers={**TUS, "X-Case-Token": token})).status_code == 404

    listed = await intake.get(f"/v1/referrals/{referral_id}/attachments", headers=partner_headers("disdik"))
    [attachment] = [a for a in listed.json()["items"] if a["id"] == attachment_id]
    assert attachment["sha256"] == hashlib.sha256(video).hexdigest()  # the bytes were put together right
    assert attachment["filename"] == "VID_2026.mp4"
    got = await intake.get(f"/v1/referrals/{referral_id}/attachments/{attachment_id}",
                           headers=partner_headers("disdik"))
    with av.open(io.BytesIO(got.content)) as container:
        assert "location" not in container.metadata
        assert container.streams.video[0].frames or container.duration


@pytest.mark.parametrize(("headers", "status"), [
    ({"Tus-Resumable": "0.2.2"}, 412),
    ({"Content-Type": "application/octet-stream"}, 415),
])
async def test_patches_that_break_the_protocol_are_refused(intake, case, headers, status):
    report_id, token, _ = case
    location = await create(intake, report_id, token, 1000)
    response = await intake.patch(location, content=b"x" * 10, headers={
        **TUS, "X-Case-Token": token, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream",
        **headers})
    assert response.status_code == status, response.text


async def test_uploads_past_their_length_or_of_refused_types_stop(intake, case, evidence_settings):
    report_id, token, _ = case
    too_big = await intake.post(f"/v1/reports/{report_id}/uploads", headers={
        **TUS, "X-Case-Token": token, "Upload-Length": str(evidence_settings.attachment_max_bytes + 1)})
    assert too_big.status_code == 413
    location = await create(intake, report_id, token, 100)
    assert (await patch(intake, location, token, 0, samples.png() + b"\0" * 200)).status_code == 413
    location = await create(intake, report_id, token, 300)
    assert (await patch(intake, location, token, 0, samples.executable()[:300])).status_code == 415
    assert await offset_of(intake, location, token) == 0


async def test_the_options_request_describes_the_server(intake, case):
    report_id, _, _ = case
    response = await intake.options(f"/v1/reports/{report_id}/uploads")
    assert response.status_code == 204
    assert response.headers["Tus-Version"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {"creation", "termination"}


async def test_an_unfinished_upload_given_up_leaves_no_part_behind(intake, case, evidence_dir):
    report_id, token, _ = case
    parts = evidence_dir / "uploads"
    before = set(parts.rglob("*")) if parts.exists() else set()
    data = samples.wav() + b"\0" * 20_000
    location = await create(intake, report_id, token, len(data))
    for offset, end in ((0, 8000), (8000, 16_000)):  # two PATCHes: two sealed parts in the store
        assert (await patch(intake, location, token, offset, data[offset:end])).status_code == 204
    stored = {path for path in set(parts.rglob("*")) - before if path.is_file()}
    assert len(stored) == 2

    assert (await intake.delete(location, headers={**TUS, "X-Case-Token": "wrong"})).status_code == 404
    assert (await intake.delete(location, headers={"X-Case-Token": token})).status_code == 412  # no version
    gone = await intake.delete(location, headers={**TUS, "X-Case-Token": token})
    assert gone.status_code == 204 and gone.headers["Tus-Resumable"] == "1.0.0"
    assert not [path for path in stored if path.exists()]  # its parts are deleted
    assert (await intake.head(location, headers={**TUS, "X-Case-Token": token})).status_code == 404
    assert (await patch(intake, location, token, 16_000, data[16_000:])).status_code == 404
    assert (await intake.delete(location, headers={**TUS, "X-Case-Token": token})).status_code == 404
