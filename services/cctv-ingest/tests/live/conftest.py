"""A cctv-ingest app with small live limits served by a real uvicorn (streams need real HTTP, not the ASGI
test transport, which buffers a whole response), and live RTSP test cameras."""

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

import pytest
import uvicorn

from cctv_ingest.main import create_app
from cctv_ingest.settings import Settings
from kentongan.dev.rtspcam import RtspCamera, make_rtsp_clip

WIDTH, HEIGHT, FPS, GOP = 320, 180, 10, 10  # a keyframe every second


@pytest.fixture(scope="session")
def live_settings(stack, tmp_path_factory) -> Settings:
    # The ingest scheduler stays off: these tests are about live viewing (and its worker would poll cameras).
    # auto: the RTSP test cameras speak RTP over UDP (rtsp-rs) or over TCP only (rtsp_tcp), as the test asks.
    return Settings(ingest_enabled=False, rtsp_transport="auto", open_timeout_s=4, read_timeout_s=2,
                    max_live_cameras=2, max_live_viewers=2, live_grace_s=0.5,
                    blob_dir=str(tmp_path_factory.mktemp("live-blobs")), worker_id="live-test-worker")


@pytest.fixture(scope="module")
async def live(live_settings):
    """The app's base URL, the app in `.app`. One module long: its incident consumer joins the `cctv-ingest`
    group, and must leave it before the snapshot tests' app needs every incident."""
    async with served(live_settings, free_port()) as app:
        yield app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def served(settings: Settings, port: int) -> AsyncIterator["LiveApp"]:
    """A cctv-ingest worker made of `settings`, served by uvicorn on `port` until the block ends."""
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", app)
    finally:
        server.should_exit = True
        await task


class LiveApp:
    def __init__(self, url: str, app) -> None:
        self.url, self.app = url, app

    @property
    def hub(self):
        return self.app.state.live_hub


@pytest.fixture(scope="session")
def rtsp_clip(tmp_path_factory) -> Path:
    return make_rtsp_clip(tmp_path_factory.mktemp("rtsp"), width=WIDTH, height=HEIGHT, seconds=4, fps=FPS, gop=GOP)


@pytest.fixture
def rtsp_camera(rtsp_clip):
    """A factory of live RTSP cameras (RTP over UDP, or over TCP only), stopped after the test."""
    started: list[RtspCamera] = []

    def start(transport: Literal["udp", "tcp"] = "udp") -> RtspCamera:
        camera = RtspCamera(rtsp_clip, transport).start()
        started.append(camera)
        return camera

    yield start
    for camera in started:
        camera.stop()
