import asyncio
from pathlib import Path
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer

from cctv_ingest.main import create_app
from cctv_ingest.settings import Settings
from kentongan.dev.fakecam import FakeCamera, serve_clip
from kentongan.events import decode


@pytest.fixture(scope="session")
def cctv_settings(stack, tmp_path_factory) -> Settings:
    """Intervals in fractions of a second so health changes show within a test."""
    return Settings(health_interval_s=0.5, hot_interval_s=0.5, offline_grace_s=1.5, open_timeout_s=4,
                    read_timeout_s=4, registry_refresh_s=0.3, heartbeat_interval_s=0.3, worker_ttl_s=5,
                    health_flush_s=0.2, snapshot_width=160, incident_cameras=3, incident_radius_m=300,
                    blob_dir=str(tmp_path_factory.mktemp("cctv-blobs")), max_concurrent_reads=8)


@pytest.fixture(scope="module")
async def cctv(serve, cctv_settings):
    """cctv-ingest in-process, one camera worker per module, like the other services' test apps: it leaves its
    consumer groups, and stops reading cameras, before the cross-service tests. (A worker kept for the whole
    session went on reading every camera the later tests registered, and marked the console's RTSP test camera
    offline: it spoke RTP over UDP only then, and workers read RTSP over TCP.)"""
    app = create_app(cctv_settings)
    async with serve(app) as client:
        client.app = app
        yield client


@pytest.fixture(scope="session")
def admin(operator_headers):
    return operator_headers("admin")


@pytest.fixture(scope="session")
def operator(operator_headers):
    return operator_headers("operator")


@pytest.fixture(scope="session")
def clip_dir(tmp_path_factory) -> Path:
    """One generated H.264 clip that every fake camera serves."""
    folder = tmp_path_factory.mktemp("clip")
    serve_clip(folder, seconds=2, fps=10, gop=5).stop()
    return folder


@pytest.fixture
def fake_camera(clip_dir):
    """A factory of started fake cameras on free loopback ports, stopped after the test."""
    started: list[FakeCamera] = []

    def start() -> FakeCamera:
        camera = FakeCamera(clip_dir).start()
        started.append(camera)
        return camera

    yield start
    for camera in started:
        camera.stop()


@pytest.fixture
def camera_body():
    """A builder of valid camera bodies with a fresh id (Simpang Lima by default); disabled unless a test
    needs it read, so the test worker does not poll dead URLs."""

    def body(**overrides) -> dict:
        return {"id": f"cam-{uuid4().hex[:12]}", "name": "Simpang Lima", "lat": -6.9903, "lon": 110.4229,
                "stream_url": "http://127.0.0.1:9/none.ts", "priority": 1, "enabled": False,
                **overrides}

    return body


@pytest.fixture
def events(settings):
    """`await events(topic, match, done)`: the envelopes whose payload `match`es, read from the start of the
    topic with a real consumer until `done(found)` holds (default: one found) or the time is up."""

    async def read(topic: str, match, done=bool, timeout_s: float = 20.0) -> list:
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=settings.kafka_bootstrap_servers,
                                    group_id=f"test-{uuid4()}", auto_offset_reset="earliest")
        await consumer.start()
        found = []
        try:
            async with asyncio.timeout(timeout_s):
                while not done(found):
                    for records in (await consumer.getmany(timeout_ms=300)).values():
                        envelopes = [decode(r.headers, r.key, r.value) for r in records]
                        found += [e for e in envelopes if match(e.data)]
        except TimeoutError:
            pass
        finally:
            await consumer.stop()
        return found

    return read
