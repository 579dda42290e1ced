"""The fan-out hub against a real RTSP camera, without HTTP: a viewer that stops reading is dropped while the
others keep getting every fragment; cameras speaking RTP over TCP only, or UDP only, per RTSP transport."""

import asyncio
import io

import av
import pytest

from cctv_ingest.ingest.grabber import ReadLimits
from cctv_ingest.live.errors import CameraUnavailable
from cctv_ingest.live.hub import HubLimits, LiveHub

from .conftest import HEIGHT, WIDTH

LIMITS = HubLimits(max_cameras=1, max_viewers=2, grace_s=0, viewer_buffer_bytes=1 << 20, jpeg_interval_s=1,
                   start_timeout_s=6)


async def test_a_slow_viewer_is_dropped_and_the_others_keep_playing(rtsp_camera):
    camera = rtsp_camera()
    # 20 kB of slack: a few seconds of this small test picture.
    hub = LiveHub(ReadLimits(4, 2, 640, None, "udp"), HubLimits(
        max_cameras=1, max_viewers=2, grace_s=0, viewer_buffer_bytes=20_000, jpeg_interval_s=1,
        start_timeout_s=6))
    slow = await hub.watch("cam-1", camera.url)
    fast = await hub.watch("cam-1", camera.url)
    received = 0

    async def play() -> None:
        nonlocal received
        async for chunk in fast.chunks():
            received += len(chunk)
            if slow.end_reason is not None:
                return

    await asyncio.wait_for(play(), timeout=20)
    assert "dropped" in slow.end_reason
    assert received > 20_000, "the fast viewer got more than the slow one could hold"
    assert fast.end_reason is None and hub.upstreams_opened == 1
    assert hub.feeds["cam-1"].viewers == {fast}
    hub.stop()


async def first_frame(viewer) -> av.VideoFrame:
    """The first frame a player decodes from the viewer's stream (init segment, then fragments)."""
    body = b""
    async for chunk in viewer.chunks():
        body += chunk
        if body.count(b"moof") >= 2:
            with av.open(io.BytesIO(body)) as container:
                return next(container.decode(video=0))
    raise AssertionError(f"the stream ended first: {viewer.end_reason}")


@pytest.mark.parametrize(("camera_speaks", "read_with"), [("tcp", "tcp"), ("tcp", "auto"), ("udp", "auto")])
async def test_a_camera_is_watched_over_the_rtsp_transport_it_speaks(rtsp_camera, camera_speaks, read_with):
    """tcp (the default) reads a camera sending RTP interleaved in the RTSP connection; auto asks for UDP and
    takes TCP when the camera refuses it."""
    camera = rtsp_camera(camera_speaks)
    hub = LiveHub(ReadLimits(4, 2, 640, None, read_with), LIMITS)
    try:
        frame = await asyncio.wait_for(first_frame(await hub.watch("cam-1", camera.url)), timeout=10)
        assert frame.key_frame and (frame.width, frame.height) == (WIDTH, HEIGHT)
        assert camera.viewers == 1
    finally:
        hub.stop()


async def test_a_tcp_only_camera_read_over_udp_is_unavailable_with_the_reason(rtsp_camera):
    camera = rtsp_camera("tcp")
    hub = LiveHub(ReadLimits(4, 2, 640, None, "udp"), LIMITS)
    with pytest.raises(CameraUnavailable, match=r"did not start: .*Protocol not supported"):
        await hub.watch("cam-1", camera.url)
    assert camera.viewers == 0
