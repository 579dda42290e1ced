"""Continuous reading for the cameras that matter now (near an open incident, or high priority).

A watcher thread holds one stream open and decodes one keyframe per interval (the others are demuxed and
dropped undecoded); it reconnects when the stream drops. Holding a stream costs ~0.27 % of a core even
idle, so the scheduler keeps only a bounded number of watchers and polls every other camera.
"""

import logging
import threading
import time
from collections.abc import Callable

from cctv_ingest.ingest.grabber import CameraReadError, Keyframe, ReadLimits, describe, watch_frames

log = logging.getLogger(__name__)


class StreamWatcher:
    """One camera's held stream, on its own daemon thread, until `stop()`."""

    def __init__(self, camera_id: str, url: str, limits: ReadLimits, interval_s: float,
                 on_frame: Callable[[str, Keyframe], None], on_failure: Callable[[str, str], None]) -> None:
        self.camera_id = camera_id
        self.url = url
        self._limits = limits
        self._interval_s = interval_s
        self._on_frame = on_frame
        self._on_failure = on_failure
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"watch-{camera_id}", daemon=True)

    def start(self) -> "StreamWatcher":
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask the thread to finish; it notices at the next keyframe or read timeout at the latest."""
        self._stopped.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                if not self._hold():
                    self._on_failure(self.camera_id, "stream ended without a keyframe")
            except CameraReadError as exc:
                self._on_failure(self.camera_id, str(exc))
            self._stopped.wait(self._interval_s)  # reconnect, without hammering a camera that just failed

    def _hold(self) -> bool:
        """Report a keyframe per interval until the stream ends or we are stopped; False if none came."""
        next_report, seen = 0.0, False

        def due() -> bool:  # keyframes between reports are not even decoded
            return self._stopped.is_set() or time.monotonic() >= next_report

        for frame, codec, fps in watch_frames(self.url, self._limits, due):
            seen = True
            if self._stopped.is_set():
                break
            self._on_frame(self.camera_id, describe(frame, codec, fps, self._limits.snapshot_width))
            next_report = time.monotonic() + self._interval_s
        return seen
