"""Evidence upload throughput and the service's memory while it streams, through a real report-intake process.

Starts its own embedded PostgreSQL + broker and one uvicorn process of report-intake (evidence in a folder
store), makes one ~50 MB MP4 (H.264, lossless noise, so it is really that big) with PyAV, submits a case, then
uploads the video (1) as one multipart POST and (2) with the resumable tus path in 5 MB PATCHes. For each:
MB/s end to end (receive, sniff, remux without metadata, seal in AES-GCM chunks, store) and the process's
resident memory (VmRSS of /proc/<pid>/status, sampled every 20 ms) before and at its peak during the upload:
streaming means the peak stays far below the file's size. Run: `python -m bench attachments_bench`.
"""

import asyncio
import os
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import httpx

from bench.support import running_platform

TARGET_BYTES = int(os.environ.get("BENCH_VIDEO_BYTES", str(50 * 1000 * 1000)))
TUS_PART = 5 * 1024 * 1024
TUS = {"Tus-Resumable": "1.0.0"}


def make_video(path: Path, target: int) -> int:
    """An H.264 MP4 of random noise (lossless, so each frame costs its pixels) of about `target` bytes."""
    width, height, written = 1280, 720, 0
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast", "qp": "0"}
        index = 0
        while written < target:
            frame = av.VideoFrame(width, height, "gray")
            frame.planes[0].update(os.urandom(width * height))
            frame.pts, frame.time_base = index, Fraction(1, 25)
            for packet in stream.encode(frame):
                written += packet.size
                container.mux(packet)
            index += 1
        container.mux(stream.encode(None))
    return path.stat().st_size


class RssSampler:
    """The peak of a process's VmRSS (kB) while running, sampled every 20 ms on a thread."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, self.rss_kb())
            time.sleep(0.02)

    def __enter__(self) -> "RssSampler":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


async def _case(client: httpx.AsyncClient) -> tuple[str, str]:
    response = await client.post("/v1/reports", json={
        "category": "bullying", "narrative": "Video perundungan di sekolah.", "anonymous": True,
        "school": "SMP Negeri 99 Semarang", "location": {"kecamatan": "Tembalang"},
        "victim": {"age_group": "child", "is_reporter": False}, "consent": {"share_with_agencies": True}})
    response.raise_for_status()
    return response.json()["report_id"], response.json()["case_token"]


async def _multipart(client: httpx.AsyncClient, video: Path, size: int) -> None:
    report_id, token = await _case(client)
    with open(video, "rb") as handle:  # noqa: ASYNC230 # the load generator; httpx streams it in chunks
        response = await client.post(f"/v1/reports/{report_id}/attachments", headers={"X-Case-Token": token},
                                     files={"files": ("video.mp4", handle, "video/mp4")})
    response.raise_for_status()


async def _resumable(client: httpx.AsyncClient, video: Path, size: int) -> None:
    report_id, token = await _case(client)
    created = await client.post(f"/v1/reports/{report_id}/uploads",
                                headers={**TUS, "X-Case-Token": token, "Upload-Length": str(size)})
    created.raise_for_status()
    location, offset = created.headers["Location"], 0
    with open(video, "rb") as handle:  # noqa: ASYNC230 # the load generator, not the service
        while offset < size:
            part = handle.read(TUS_PART)
            response = await client.patch(location, content=part, headers={
                **TUS, "X-Case-Token": token, "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream"})
            response.raise_for_status()
            offset = int(response.headers["Upload-Offset"])


async def _measure(url: str, pid: int, video: Path, size: int) -> dict:
    figures: dict = {"video_mb": round(size / 1e6, 1)}
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        for name, upload in (("multipart", _multipart), ("tus_5mb_parts", _resumable)):
            with RssSampler(pid) as rss:
                before = rss.rss_kb()
                started = time.perf_counter()
                await upload(client, video, size)
                elapsed = time.perf_counter() - started
            figures[f"{name}_mb_per_s"] = round(size / 1e6 / elapsed, 1)
            figures[f"{name}_seconds"] = round(elapsed, 2)
            figures[f"{name}_rss_before_mb"] = round(before / 1024, 1)
            figures[f"{name}_rss_peak_mb"] = round(rss.peak_kb / 1024, 1)
    figures["load_average_1m"] = round(os.getloadavg()[0], 2)
    return figures


def main() -> dict:
    with tempfile.TemporaryDirectory(prefix="attachments-bench-") as folder:
        video = Path(folder) / "video.mp4"
        size = make_video(video, TARGET_BYTES)
        env = {"KENTONGAN_ENV": "development", "LOG_LEVEL": "WARNING",
               "REPORT_INTAKE_BLOB_DIR": str(Path(folder) / "evidence"),
               "REPORT_INTAKE_UPLOAD_TMP_DIR": folder,
               "REPORT_INTAKE_ATTACHMENT_MAX_BYTES": str(TARGET_BYTES * 2)}
        with running_platform(["report-intake"], env={"report-intake": env}) as services:
            service = services["report-intake"]
            figures = asyncio.run(_measure(service.url, service.process.pid, video, size))
    print(figures)
    return figures


if __name__ == "__main__":
    main()
