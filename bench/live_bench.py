"""cctv-ingest live video benchmark: remux cost against bare PyAV, time to the first decodable frame, fan-out cost
per viewer, and the 11,000-camera health polling while 20 live views run.

- Remux: a 1080p H.264 clip at 25 fps (GOP 25: a keyframe a second), read as fast as PyAV goes; the live path
  (`upstream.read_live`: demux, timestamp shift, fMP4 mux, box splitting) against bare PyAV demux + fMP4 mux
  of the same clip. Video seconds per CPU second = live cameras one core can remux.
- Latency, fan-out and health use a live RTSP camera (rtsp-rs, in a child process so its CPU is not counted)
  and the real hub and upstreams behind a minimal HTTP app served by uvicorn in this process: a ticket is signed
  and checked as in the service, but the two audit writes (~1-2 ms each) are left out (no database).
  Viewers of the fan-out phase are `curl` child processes.

    python bench/live_bench.py [--quick]
"""

import asyncio
import io
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from statistics import quantiles
from uuid import uuid4

import av
import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from cctv_ingest.ingest.grabber import PROBE_OPTIONS, ReadLimits
from cctv_ingest.live import tickets
from cctv_ingest.live.hub import HubLimits, LiveHub
from cctv_ingest.live.upstream import MOVFLAGS, StreamInfo, read_live
from kentongan.dev.fakecam import make_clip

QUICK = "--quick" in sys.argv
FPS, GOP = 25, 25
ROUND_CPU_S = 2.0 if QUICK else 6.0
TRIALS = 10 if QUICK else 30
FANOUT_VIEWERS = (1, 4, 16) if QUICK else (1, 2, 4, 8, 16, 32)
FANOUT_WINDOW_S = 4.0 if QUICK else 10.0
LIVE_VIEWS = 20
KEY = b"bench-live-ticket-key"
CURL = shutil.which("curl") or "/usr/bin/curl"


class _Discard(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return len(data)


class _NullSink:
    def started(self, info: StreamInfo) -> None: ...

    def chunk(self, data: bytes, keyframe: bool) -> None: ...

    def ended(self, reason: str) -> None: ...


def _clip(folder: Path, seconds: float = 4) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return make_clip(folder / "live.ts", width=1920, height=1080, seconds=seconds, fps=FPS, gop=GOP, detail=6,
                     preset="veryfast")


def _bare_round(clip: Path) -> None:
    with av.open(str(clip), options=PROBE_OPTIONS) as container:
        stream = container.streams.video[0]
        output = av.open(_Discard(), "w", format="mp4", options={"movflags": MOVFLAGS})
        target = output.add_stream_from_template(stream)
        for packet in container.demux(stream):
            if packet.dts is None:
                continue
            packet.stream = target
            output.mux(packet)
        output.close()


def _live_round(clip: Path) -> None:
    read_live(str(clip), ReadLimits(5, 5, 640, None), _NullSink(), threading.Event(), 1.0)


def _video_s_per_cpu_s(one_round, clip: Path, seconds: float) -> float:
    rounds, started = 0, time.process_time()
    while time.process_time() - started < ROUND_CPU_S:
        one_round(clip)
        rounds += 1
    return rounds * seconds / (time.process_time() - started)


def _side_by_side(rounds: dict[str, Callable[[Path], None]], clip: Path, seconds: float) -> dict[str, float]:
    """Video seconds per CPU second of each path, their rounds taken in turn (bare, live, bare, ...) so that
    a change of load during the run weighs on both alike (all of one path's rounds, then the other's: the
    ratio drifted 0.83-0.94 between runs)."""
    spent = dict.fromkeys(rounds, 0.0)
    count = 0
    while sum(spent.values()) < ROUND_CPU_S * len(rounds):
        for name, one_round in rounds.items():
            started = time.process_time()
            one_round(clip)
            spent[name] += time.process_time() - started
        count += 1
    return {name: count * seconds / cpu for name, cpu in spent.items()}


def _open_round(clip: Path) -> None:
    with av.open(str(clip), options=PROBE_OPTIONS) as container:
        assert container.streams.video[0].codec_context.width


def remux(folder: Path) -> dict:
    """Each round opens the clip as both paths do (probing decodes its first frames: `open_cpu_ms_per_round`,
    most of an 8 s round), a cost both sides share: the live path's own cost per packet weighs more on a
    camera already streaming (see docs/performance.md)."""
    seconds = 8.0
    clip = _clip(folder, seconds)
    rates = _side_by_side({"bare": _bare_round, "live": _live_round}, clip, seconds)
    bare, live = rates["bare"], rates["live"]
    open_cpu_s = seconds / _video_s_per_cpu_s(_open_round, clip, seconds)
    return {"clip": f"1080p H.264, {FPS} fps, GOP {GOP} ({GOP / FPS:g} s)",
            "bare_pyav_remux_cameras_per_core": round(bare, 1), "live_path_cameras_per_core": round(live, 1),
            "ratio": round(live / bare, 3), "open_cpu_ms_per_round": round(open_cpu_s * 1000, 1)}


# ---------- a live RTSP camera in a child process, and the hub behind a minimal HTTP app ----------

CAMERA_CHILD = """
import sys, time
from pathlib import Path
from kentongan.dev.rtspcam import RtspCamera
camera = RtspCamera(Path(sys.argv[1])).start()
print(camera.url, flush=True)
sys.stdin.read()
camera.stop()
"""


def _camera(clip: Path) -> tuple[subprocess.Popen, str]:
    child = subprocess.Popen([sys.executable, "-c", CAMERA_CHILD, str(clip)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    return child, child.stdout.readline().strip()


def _app(hub: LiveHub, camera_url: str) -> FastAPI:
    app = FastAPI()

    @app.post("/session/{camera_id}")
    async def session(camera_id: str) -> dict[str, str]:
        ticket = tickets.Ticket(uuid4(), camera_id, "bench", datetime.now(UTC) + timedelta(seconds=60))
        hub.prepare(camera_id, camera_url)  # as the service does when it serves the camera
        return {"url": f"/live/{camera_id}?ticket={tickets.sign(ticket, KEY)}"}

    @app.get("/live/{camera_id}")
    async def live(camera_id: str, ticket: str) -> StreamingResponse:
        tickets.verify(ticket, KEY, camera_id)
        viewer = await hub.watch(camera_id, camera_url)

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in viewer.chunks():
                    yield chunk
            finally:
                viewer.feed.leave(viewer)

        return StreamingResponse(body(), media_type="video/mp4")

    return app


async def _serve(app: FastAPI) -> tuple[uvicorn.Server, asyncio.Task, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    return server, task, f"http://127.0.0.1:{port}"


async def _first_frame_s(client: httpx.AsyncClient, camera_id: str) -> float:
    """From asking for a session to holding bytes that decode to a frame, taken when they arrived: the check
    itself (a 1080p keyframe decoded from scratch, ~0.1-0.2 s of CPU on a busy machine) is the player's work."""
    started = time.perf_counter()
    url = (await client.post(f"/session/{camera_id}")).json()["url"]
    body = b""
    async with client.stream("GET", url) as answer:
        async for chunk in answer.aiter_bytes():
            body += chunk
            arrived = time.perf_counter()
            if _ends_with_mdat(body) and _decodes(body):
                return arrived - started
    raise RuntimeError("the stream ended before a frame")


def _ends_with_mdat(body: bytes) -> bool:
    """True when `body` is whole top-level MP4 boxes, the last an `mdat` (a fragment fully received)."""
    offset, kind = 0, b""
    while offset + 8 <= len(body):
        size, kind = int.from_bytes(body[offset:offset + 4], "big"), body[offset + 4:offset + 8]
        if size < 8:
            return False
        offset += size
    return offset == len(body) and kind == b"mdat"


async def _drain(answer: httpx.Response) -> None:
    async for _chunk in answer.aiter_bytes():
        pass


def _decodes(body: bytes) -> bool:
    try:
        with av.open(io.BytesIO(body), "r") as container:
            return next(container.decode(video=0), None) is not None
    except av.FFmpegError:
        return False


def _percentiles(values: list[float]) -> dict:
    cuts = quantiles(values, n=100, method="inclusive")
    return {"p50_s": round(cuts[49], 3), "p99_s": round(cuts[98], 3), "max_s": round(max(values), 3),
            "trials": len(values)}


async def latency(base: str, hub: LiveHub) -> dict:
    async with httpx.AsyncClient(base_url=base, timeout=20) as client:
        cold = []
        for index in range(TRIALS):
            # A pause of random length: back-to-back trials kept nearly the same phase against the camera's GOP,
            # so the keyframe wait was nearly the same in every trial rather than spread over the GOP.
            await asyncio.sleep(random.uniform(0, GOP / FPS))
            cold.append(await _first_frame_s(client, f"cold-{index}"))
        # Warm: the camera's upstream is already open for another viewer (the incident's second operator),
        # who keeps reading; the first warm trial waits for that viewer's first fragment to be cached.
        async with client.stream("GET", (await client.post("/session/warm")).json()["url"]) as holder:
            reading = asyncio.create_task(_drain(holder))
            await asyncio.sleep(2.5)
            warm = [await _first_frame_s(client, "warm") for _ in range(TRIALS)]
            reading.cancel()
    return {"gop_s": GOP / FPS, "fresh_upstream (RTSP open + first keyframe + one fragment)": _percentiles(cold),
            "upstream_already_open (cached init + last fragment)": _percentiles(warm)}


def _cpu_window(seconds: float) -> float:
    started_cpu, started = time.process_time(), time.perf_counter()
    time.sleep(seconds)
    return (time.process_time() - started_cpu) / (time.perf_counter() - started)


async def _curl(url: str) -> asyncio.subprocess.Process:
    """A viewer in a child process (its CPU is not counted): curl reading the stream into /dev/null."""
    return await asyncio.create_subprocess_exec(CURL, "-sN", "-o", "/dev/null", url)


async def _stop(viewers: list[asyncio.subprocess.Process]) -> None:
    for viewer in viewers:
        viewer.terminate()
        await viewer.wait()


async def fanout(base: str) -> dict:
    """Process CPU (uvicorn + hub + the upstream thread) with N curl viewers of one 1080p camera."""
    async with httpx.AsyncClient(base_url=base, timeout=20) as client:
        url = (await client.post("/session/fan")).json()["url"]  # a ticket is not spent here: reuse it
    cores: dict[int, float] = {}
    for viewers in FANOUT_VIEWERS:
        curls = [await _curl(f"{base}{url}") for _ in range(viewers)]
        await asyncio.sleep(3)  # every viewer started, past the first fragment
        cores[viewers] = await asyncio.to_thread(_cpu_window, FANOUT_WINDOW_S)
        await _stop(curls)
    one = cores[FANOUT_VIEWERS[0]]
    most = FANOUT_VIEWERS[-1]
    per_viewer = max((cores[most] - one) / (most - 1), 1e-9)
    return {"cores_by_viewers": {n: round(c, 4) for n, c in cores.items()},
            "cpu_per_extra_viewer_cores": round(per_viewer, 5),
            "viewers_at_10_percent_extra_cpu": round(1 + 0.10 * one / per_viewer, 1)}


async def health_with_live_views(root: Path, base: str) -> dict:
    """bench/cctv_bench.py's 11,000-camera scheduling, alone and while 20 cameras are watched live."""
    from bench import cctv_bench

    if QUICK:
        cctv_bench.SCHEDULER_WINDOW_S = 8.0
    alone = await cctv_bench.scheduling(root / "alone")
    curls = []
    async with httpx.AsyncClient(base_url=base, timeout=20) as client:
        for index in range(LIVE_VIEWS):
            url = (await client.post(f"/session/view-{index}")).json()["url"]
            curls.append(await _curl(f"{base}{url}"))
    try:
        with_live = await cctv_bench.scheduling(root / "live")
    finally:
        await _stop(curls)
    keys = ("reads_per_s", "expected_reads_per_s",
            "worker_cores_without_pyav (scheduling + snapshot files + health writes)")
    return {"alone": {k: alone[k] for k in keys},
            f"with_{LIVE_VIEWS}_live_views (cores include the live remux)": {k: with_live[k] for k in keys}}


async def main() -> dict:
    with tempfile.TemporaryDirectory(prefix="live-bench-") as folder:
        root = Path(folder)
        figures: dict = {"remux": await asyncio.to_thread(remux, root)}
        camera, camera_url = _camera(_clip(root / "rtsp", 4))
        hub = LiveHub(ReadLimits(5, 5, 640, None, "udp"), HubLimits(
            max_cameras=64, max_viewers=64, grace_s=0, viewer_buffer_bytes=16 * 1024 * 1024, jpeg_interval_s=1, start_timeout_s=10))
        server, task, base = await _serve(_app(hub, camera_url))
        try:
            figures["first_decodable_frame"] = await latency(base, hub)
            figures["fanout_one_1080p_camera"] = await fanout(base)
            figures["health_polling_11000_cameras"] = await health_with_live_views(root, base)
        finally:
            server.should_exit = True
            await task
            hub.stop()
            assert camera.stdin is not None
            camera.stdin.close()
            camera.wait(timeout=10)
    figures["load_average_1m"] = round(os.getloadavg()[0], 2)  # the machine's state, beside the figures
    print(json.dumps(figures, indent=2))
    return figures


if __name__ == "__main__":
    asyncio.run(main())
