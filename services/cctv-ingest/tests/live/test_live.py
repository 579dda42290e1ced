"""Live video end to end over real HTTP from a real RTSP camera: tickets, fragmented MP4, fan-out, camera loss,
limits and the audit."""

import asyncio
import io
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import av
import httpx
import pytest
from sqlalchemy import text

from cctv_ingest.live import repository, tickets
from cctv_ingest.ownership import repository as ownership
from cctv_ingest.ownership.rendezvous import owner
from kentongan.db import unit_of_work
from kentongan.dev.rtspcam import file_camera
from kentongan.dev.testing import eventually

from .conftest import HEIGHT, WIDTH, free_port, served


@pytest.fixture
async def client(live):
    async with httpx.AsyncClient(base_url=live.url, timeout=15) as client:
        yield client


@pytest.fixture
def register(client, operator_headers):
    async def register(url: str, enabled: bool = True) -> str:
        camera_id = f"live-{uuid4().hex[:10]}"
        answer = await client.post("/v1/cameras", headers=operator_headers("admin"), json={
            "id": camera_id, "name": "Simpang Lima", "lat": -6.9903, "lon": 110.4229, "stream_url": url,
            "enabled": enabled})
        assert answer.status_code == 201, answer.text
        return camera_id

    return register


async def grant(client, operator_headers, camera_id: str, subject: str = "opr-sari") -> dict:
    answer = await client.post(f"/v1/cameras/{camera_id}/live-sessions",
                               headers=operator_headers("operator", subject))
    assert answer.status_code == 201, answer.text
    return answer.json()


async def read_stream(client, url: str, fragments: int) -> bytes:
    """The stream's first bytes: the init segment and `fragments` moof/mdat fragments."""
    body = b""
    async with client.stream("GET", url) as answer:
        assert answer.status_code == 200, await answer.aread()
        assert answer.headers["content-type"] == "video/mp4"
        async for chunk in answer.aiter_bytes():
            body += chunk
            if body.count(b"moof") >= fragments:
                break
    return body


def decoded(body: bytes) -> list[av.VideoFrame]:
    with av.open(io.BytesIO(body)) as container:
        return list(container.decode(video=0))


async def audit(live, camera_id: str):
    async with unit_of_work(live.app.state.sessionmaker) as session:
        return await repository.of_camera(session, camera_id, datetime.now(UTC) - timedelta(hours=1))


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_a_ticket_plays_the_camera_as_fragmented_mp4_and_the_session_is_audited(
        live, client, register, rtsp_camera, operator_headers, transport):
    camera = rtsp_camera(transport)
    camera_id = await register(camera.url)
    session = await grant(client, operator_headers, camera_id)
    assert session["mode"] == "fmp4" and "ticket=" in session["url"]
    expires = datetime.fromisoformat(session["expires_at"])
    assert timedelta(seconds=55) < expires - datetime.now(UTC) <= timedelta(seconds=60)

    body = await read_stream(client, session["url"], fragments=12)
    assert body[4:8] == b"ftyp" and b"moov" in body
    frames = decoded(body)
    assert frames and frames[0].key_frame, "a viewer's stream starts at a keyframe"
    assert (frames[0].width, frames[0].height) == (WIDTH, HEIGHT)

    rows = await eventually(lambda: _ended(live, camera_id))
    assert [(r.subject, r.mode) for r in rows] == [("opr-sari", "fmp4")]
    assert rows[0].issued_at <= rows[0].started_at <= rows[0].ended_at


async def _ended(live, camera_id):
    rows = await audit(live, camera_id)
    return rows if rows and all(r.ended_at for r in rows) else None


async def test_tickets_are_refused_when_expired_reused_forged_or_for_another_camera_or_user(
        live, client, register, rtsp_camera, operator_headers, live_settings):
    camera_id = await register(rtsp_camera().url)
    other_id = await register("rtsp://127.0.0.1:9/none", enabled=True)
    key = live_settings.live_ticket_key.get_secret_value().encode()
    expired = tickets.sign(tickets.Ticket(uuid4(), camera_id, "opr-sari", datetime.now(UTC) - timedelta(seconds=1)), key)
    forged = tickets.sign(tickets.Ticket(uuid4(), camera_id, "opr-sari", datetime.now(UTC) + timedelta(hours=1)),
                          b"not the key")
    session = await grant(client, operator_headers, camera_id)
    ticket = session["url"].split("ticket=")[1]

    async def refused(path: str, **kwargs) -> str:
        answer = await client.get(path, **kwargs)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"] == "live_ticket_refused"
        return answer.json()["detail"]

    assert "expired" in await refused(f"/v1/cameras/{camera_id}/live?ticket={expired}")
    assert "signature" in await refused(f"/v1/cameras/{camera_id}/live?ticket={forged}")
    assert "another camera" in await refused(f"/v1/cameras/{other_id}/live?ticket={ticket}")
    assert "another user" in await refused(session["url"], headers=operator_headers("operator", "opr-budi"))

    await read_stream(client, session["url"], fragments=1)  # its own user, once
    assert "already used" in await refused(session["url"])


async def test_two_viewers_share_one_upstream_closed_after_the_grace_period(
        live, client, register, rtsp_camera, operator_headers):
    camera = rtsp_camera()
    camera_id = await register(camera.url)
    opened = live.hub.upstreams_opened
    first = await grant(client, operator_headers, camera_id)
    second = await grant(client, operator_headers, camera_id)

    bodies = await asyncio.gather(read_stream(client, first["url"], 12), read_stream(client, second["url"], 12))
    assert all(decoded(body) for body in bodies)
    assert live.hub.upstreams_opened == opened + 1
    assert await eventually(lambda: _value(camera_id not in live.hub.feeds), timeout_s=5), "closed after grace"
    assert await eventually(lambda: _value(camera.viewers == 0), timeout_s=5)


async def _value(value):
    return value


async def test_a_lost_camera_ends_its_viewers_streams_cleanly(live, client, register, rtsp_camera, operator_headers):
    camera = rtsp_camera()
    camera_id = await register(camera.url)
    session = await grant(client, operator_headers, camera_id)
    body = b""
    async with client.stream("GET", session["url"]) as answer:
        async for chunk in answer.aiter_bytes():  # ends (no exception) when the service ends the stream
            body += chunk
            if body.count(b"moof") == 1:
                camera.stop()
    assert decoded(body)
    rows = await eventually(lambda: _ended(live, camera_id))
    assert rows[0].end_reason != "viewer left"


async def test_viewers_per_camera_and_cameras_per_worker_are_limited_with_retry_after(
        live, client, register, rtsp_camera, operator_headers):
    cameras = [await register(rtsp_camera().url) for _ in range(3)]
    streams = []
    try:
        for camera_id in (cameras[0], cameras[0], cameras[1]):  # 2 viewers on one camera, 2 cameras: the limits
            url = (await grant(client, operator_headers, camera_id))["url"]
            streams.append(await client.send(client.build_request("GET", url), stream=True))
            assert streams[-1].status_code == 200
        for camera_id, why in ((cameras[0], "viewers"), (cameras[2], "cameras")):
            session = await grant(client, operator_headers, camera_id)
            answer = await client.get(session["url"])
            assert answer.status_code == 503 and answer.json()["error"] == "live_capacity"
            assert why in answer.json()["detail"] and int(answer.headers["retry-after"]) > 0
    finally:
        for stream in streams:
            await stream.aclose()


async def test_a_camera_browsers_cannot_play_is_served_as_jpegs(live, client, register, operator_headers,
                                                                tmp_path):
    camera = file_camera(tmp_path, "mpeg4")
    try:
        camera_id = await register(camera.url)
        session = await grant(client, operator_headers, camera_id)
        async with client.stream("GET", session["url"]) as answer:
            assert answer.headers["content-type"].startswith("multipart/x-mixed-replace; boundary=")
            body = await answer.aread()
        assert b"Content-Type: image/jpeg" in body and b"\xff\xd8" in body
    finally:
        camera.stop()


async def test_a_camera_owned_by_another_worker_is_redirected_there_with_its_ticket(
        live, client, register, rtsp_camera, operator_headers):
    """The owning worker serves a camera live (its upstream is opened once, there); any other worker sends
    the player to it, ticket unspent."""
    async with unit_of_work(live.app.state.sessionmaker) as session:
        await session.execute(text("INSERT INTO cctv_ingest.workers (id, live_url) VALUES ('peer-1', "
                                   "'http://10.0.0.7:8003')"))
    try:
        async with unit_of_work(live.app.state.sessionmaker) as session:
            workers = await ownership.live_urls(session, timedelta(seconds=20))
        camera_id = await register(rtsp_camera().url)
        while owner(camera_id, sorted(workers)) != "peer-1":  # a camera id that hashes to the peer
            camera_id = await register("rtsp://127.0.0.1:9/none")
        session = await grant(client, operator_headers, camera_id)
        answer = await client.get(session["url"])
        assert answer.status_code == 307
        assert answer.headers["location"] == f"http://10.0.0.7:8003{session['url']}"
        assert not [r for r in await audit(live, camera_id) if r.started_at]
    finally:
        async with unit_of_work(live.app.state.sessionmaker) as session:
            await session.execute(text("DELETE FROM cctv_ingest.workers WHERE id = 'peer-1'"))


async def test_the_grant_says_when_a_camera_is_served_as_jpegs(live, client, register, operator_headers):
    camera_id = await register("rtsp://127.0.0.1:9/none")
    async with unit_of_work(live.app.state.sessionmaker) as session:
        await session.execute(text("INSERT INTO cctv_ingest.camera_health (camera_id, state, codec, "
                                   "consecutive_failures) VALUES (:id, 'online', 'hevc', 0)"), {"id": camera_id})
    assert (await grant(client, operator_headers, camera_id))["mode"] == "jpeg"


async def test_a_disabled_camera_cannot_be_watched(client, register, operator_headers):
    camera_id = await register("rtsp://127.0.0.1:9/none", enabled=False)
    answer = await client.post(f"/v1/cameras/{camera_id}/live-sessions", headers=operator_headers())
    assert answer.status_code == 409 and answer.json()["error"] == "camera_not_live"


async def test_with_two_workers_the_owner_serves_the_camera_and_opens_it_once_whichever_worker_was_asked(
        live, client, register, rtsp_camera, operator_headers, live_settings):
    """Two real workers on one database: tickets from either play the camera from its owner (the other
    redirects), one upstream for both viewers; the worker asked first opens nothing, not even ahead."""
    port = free_port()
    peer_settings = live_settings.model_copy(update={"worker_id": "live-peer", "live_url": f"http://127.0.0.1:{port}"})
    ttl = timedelta(seconds=live_settings.worker_ttl_s)
    async with served(peer_settings, port) as peer, httpx.AsyncClient(base_url=peer.url, timeout=15) as at_peer:
        try:
            async with unit_of_work(live.app.state.sessionmaker) as session:  # both workers' heartbeats
                await ownership.heartbeat(session, "live-test-worker", ttl, live.url)
                workers = await ownership.heartbeat(session, "live-peer", ttl, peer.url)
            camera = rtsp_camera()
            camera_id = await register(camera.url)
            while owner(camera_id, workers) != "live-peer":
                camera_id = await register(camera.url)
            opened_here, opened_there = live.hub.upstreams_opened, peer.hub.upstreams_opened

            asked_here = await grant(client, operator_headers, camera_id)
            asked_there = await grant(at_peer, operator_headers, camera_id, subject="opr-budi")
            assert camera_id not in live.hub.feeds, "only the owner opens the camera"
            first = await client.get(asked_here["url"])
            assert first.status_code == 307 and first.headers["location"].startswith(peer.url)
            async with httpx.AsyncClient(timeout=15, follow_redirects=True) as player:
                bodies = await asyncio.gather(read_stream(player, f"{live.url}{asked_here['url']}", 12),
                                              read_stream(player, f"{peer.url}{asked_there['url']}", 12))
                assert camera.viewers == 1
            for body in bodies:
                assert (decoded(body)[0].width, decoded(body)[0].height) == (WIDTH, HEIGHT)
            assert (live.hub.upstreams_opened, peer.hub.upstreams_opened) == (opened_here, opened_there + 1)
            rows = await eventually(lambda: _ended(live, camera_id))
            assert sorted(r.subject for r in rows if r.started_at) == ["opr-budi", "opr-sari"]
        finally:
            async with unit_of_work(live.app.state.sessionmaker) as session:
                await ownership.leave(session, "live-peer")
                await ownership.leave(session, "live-test-worker")
