"""Fresh snapshots from the cameras nearest an incident: read concurrently, each within its timeouts."""

import asyncio
import logging
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from urllib.parse import quote

from cctv_ingest.cameras.service import Nearby, snapshot_path
from cctv_ingest.ingest.grabber import (
    CameraReadError,
    ReadLimits,
    describe,
    grey_thumbnail,
    motion_score,
    watch_frames,
)
from cctv_ingest.redaction import redact_url
from cctv_ingest.snapshots.blobs import incident_key
from kentongan.blobs import BlockingBlobs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Captured:
    camera: Nearby
    blob_ref: str
    captured_at: datetime
    motion_score: float | None

    @property
    def snapshot_url(self) -> str:
        return f"{snapshot_path(self.camera.id)}?ref={quote(self.blob_ref)}"


class SnapshotCapture:
    """Reads two keyframes per camera (the second is the snapshot, the pair gives the motion score)."""

    def __init__(self, blobs: BlockingBlobs, limits: ReadLimits, executor: Executor) -> None:
        self._blobs = blobs
        self._limits = limits
        self._executor = executor

    async def capture(self, cameras: list[Nearby], incident_id: str) -> list[Captured]:
        """Snapshots of the cameras that answered in time; the others are logged and skipped."""
        loop = asyncio.get_running_loop()
        reads = [loop.run_in_executor(self._executor, self._capture_one, camera, incident_id)
                 for camera in cameras]
        results = await asyncio.gather(*reads, return_exceptions=True)
        for camera, result in zip(cameras, results, strict=False):
            if isinstance(result, BaseException):
                log.warning("no incident snapshot from camera %s (%s): %s", camera.id,
                            redact_url(camera.stream_url), result)
        return [result for result in results if isinstance(result, Captured)]

    def _capture_one(self, camera: Nearby, incident_id: str) -> Captured:
        frames = list(islice(watch_frames(camera.stream_url, self._limits), 2))
        if not frames:
            raise CameraReadError("stream ended without a keyframe")
        frame, codec, fps = frames[-1]
        shot = describe(frame, codec, fps, self._limits.snapshot_width)
        score = motion_score(grey_thumbnail(frames[0][0]), shot.grey) if len(frames) == 2 else None
        ref = self._blobs.put(incident_key(camera.id, incident_id), shot.jpeg)
        return Captured(camera, ref, datetime.now(UTC), score)
