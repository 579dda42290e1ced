"""The fan-out hub against a real RTSP camera, without HTTP: a viewer that stops reading is dropped while the
others keep getting every fragment."""

import asyncio

from cctv_ingest.ingest.grabber import ReadLimits
from cctv_ingest.live.hub import HubLimits, LiveHub


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
