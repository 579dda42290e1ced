"""Fan-out: one upstream per camera in this worker, shared by all its viewers.

The upstream (a thread running `upstream.read_live`) hands each init segment and fragment to the event loop;
the feed keeps the init segment and the fragments since the last keyframe for viewers who join late (they
start at that keyframe at once), and offers every fragment to each viewer's buffer, bounded in bytes. A viewer
whose buffer is full is dropped (its stream ends) rather than slowing the upstream or the others. The upstream is stopped `grace_s` after its last
viewer leaves; when the camera fails, every viewer's stream ends cleanly and the next viewer opens it again.
"""

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from cctv_ingest.ingest.grabber import ReadLimits
from cctv_ingest.live.errors import CameraUnavailable, LiveCapacity
from cctv_ingest.live.upstream import StreamInfo, read_live
from cctv_ingest.metrics import LIVE_CAMERAS, LIVE_DROPPED, LIVE_VIEWERS

PREPARE_HOLD_S = 5.0  # a player asks for its stream within a second or two of its ticket


@dataclass(frozen=True)
class HubLimits:
    max_cameras: int
    max_viewers: int
    grace_s: float
    viewer_buffer_bytes: int
    jpeg_interval_s: float
    start_timeout_s: float  # open (the init segment), and then again for the first keyframe


class Viewer:
    """One viewer's bounded buffer of chunks; `chunks()` yields them until the stream ends."""

    def __init__(self, feed: "Feed", limit_bytes: int) -> None:
        self.feed = feed
        self._chunks: deque[bytes] = deque()
        self._limit = limit_bytes
        self._queued = 0
        self._wake = asyncio.Event()
        self.end_reason: str | None = None

    @property
    def info(self) -> StreamInfo:
        if self.feed.info is None:
            raise RuntimeError("a viewer is handed out only once its feed has started")
        return self.feed.info

    def offer(self, chunk: bytes, *, force: bool = False) -> bool:
        """Queue a chunk; False (and nothing queued) when this viewer is too far behind (`force`: the start
        a new viewer needs, whatever its size)."""
        if not force and self._queued + len(chunk) > self._limit:
            return False
        self._chunks.append(chunk)
        self._queued += len(chunk)
        self._wake.set()
        return True

    def finish(self, reason: str, *, discard: bool = False) -> None:
        if self.end_reason is None:
            self.end_reason = reason
        if discard:
            self._chunks.clear()
            self._queued = 0
        self._wake.set()

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            while self._chunks:
                chunk = self._chunks.popleft()
                self._queued -= len(chunk)
                yield chunk
            if self.end_reason is not None:
                return
            self._wake.clear()
            await self._wake.wait()


class Feed:
    """One camera's upstream in this worker and the viewers it feeds."""

    def __init__(self, camera_id: str, url: str, read_limits: ReadLimits, limits: HubLimits,
                 on_closed: Callable[["Feed"], None]) -> None:
        self.camera_id, self.url = camera_id, url
        self.info: StreamInfo | None = None
        self.ready = asyncio.Event()
        self.end_reason: str | None = None
        self.viewers: set[Viewer] = set()
        self.gop: list[bytes] = []  # the fragments since the last keyframe, the first one starting with it
        self._read_limits, self._limits, self._on_closed = read_limits, limits, on_closed
        self._stop = threading.Event()
        self._idle: asyncio.TimerHandle | None = None
        self._loop = asyncio.get_running_loop()
        self.thread = threading.Thread(target=self._read, name=f"live-{camera_id}", daemon=True)

    def _read(self) -> None:
        read_live(self.url, self._read_limits, self, self._stop, self._limits.jpeg_interval_s,
                  self._limits.start_timeout_s)

    # The upstream's Sink: called from its thread, handled on the event loop.
    def started(self, info: StreamInfo) -> None:
        self._call(self._on_started, info)

    def chunk(self, data: bytes, keyframe: bool) -> None:
        self._call(self._on_chunk, data, keyframe)

    def ended(self, reason: str) -> None:
        self._call(self._on_ended, reason)

    def _call(self, handler: Callable[..., None], *values: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is already closed at shutdown
            self._loop.call_soon_threadsafe(handler, *values)

    def _on_started(self, info: StreamInfo) -> None:
        self.info = info
        for viewer in self.viewers:
            self._prime(viewer)
        self.ready.set()

    def _on_chunk(self, data: bytes, keyframe: bool) -> None:
        if keyframe:
            self.gop = [data]
        elif self.gop:
            self.gop.append(data)
        for viewer in list(self.viewers):
            if not viewer.offer(data):
                LIVE_DROPPED.inc()
                self.leave(viewer)
                viewer.finish("dropped: the viewer fell too far behind", discard=True)

    def _on_ended(self, reason: str) -> None:
        self.end_reason = reason
        self._stop.set()
        self.ready.set()  # a viewer waiting for the start learns it failed
        for viewer in self.viewers:
            viewer.finish(reason)
        self._clear()
        self._close()

    def _prime(self, viewer: Viewer) -> None:
        """A new viewer starts with the init segment and the current GOP (from its keyframe on)."""
        for chunk in [self.info.init if self.info else b"", *self.gop]:
            if chunk:
                viewer.offer(chunk, force=True)

    def hold(self, seconds: float) -> None:
        """Keep the upstream open `seconds` for a viewer yet to come, then close it if none came."""
        if not self.viewers and self._idle is None:
            self._idle = self._loop.call_later(seconds, self.stop)

    def join(self) -> Viewer:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        viewer = Viewer(self, self._limits.viewer_buffer_bytes)
        self.viewers.add(viewer)
        LIVE_VIEWERS.inc()
        if self.info is not None:
            self._prime(viewer)
        return viewer

    def leave(self, viewer: Viewer) -> None:
        if viewer in self.viewers:
            self.viewers.discard(viewer)
            LIVE_VIEWERS.dec()
        if not self.viewers and self.end_reason is None and self._idle is None:
            self._idle = self._loop.call_later(self._limits.grace_s, self.stop)

    def stop(self) -> None:
        """Close the upstream now (its thread ends at the next packet or read timeout)."""
        self._stop.set()
        for viewer in self.viewers:
            viewer.finish("stopped")
        self._clear()
        self._close()

    def _clear(self) -> None:
        LIVE_VIEWERS.dec(len(self.viewers))
        self.viewers.clear()

    def _close(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        self._on_closed(self)

    @property
    def idle(self) -> bool:
        return not self.viewers


class LiveHub:
    """This worker's live feeds, at most `max_cameras` of them, each with at most `max_viewers` viewers."""

    def __init__(self, read_limits: ReadLimits, limits: HubLimits) -> None:
        self._read_limits, self.limits = read_limits, limits
        self.feeds: dict[str, Feed] = {}
        self.upstreams_opened = 0  # for tests and the benchmark: how many times a camera was opened

    def prepare(self, camera_id: str, url: str) -> None:
        """Open the camera's upstream ahead of its viewer (a ticket was just issued), if this worker has room
        without closing another feed; held the grace period, and at least `PREPARE_HOLD_S`, for the viewer to
        come. The RTSP handshake and the wait for a keyframe then overlap the player's round trips."""
        if camera_id in self.feeds or len(self.feeds) >= self.limits.max_cameras:
            return
        self._open(camera_id, url).hold(max(self.limits.grace_s, PREPARE_HOLD_S))

    async def watch(self, camera_id: str, url: str) -> Viewer:
        """A viewer of the camera once its stream has started (CameraUnavailable if it does not start)."""
        feed = self.feeds.get(camera_id) or self._open(camera_id, url)
        if len(feed.viewers) >= self.limits.max_viewers:
            raise LiveCapacity(f"camera {camera_id} already has {self.limits.max_viewers} live viewers")
        viewer = feed.join()
        try:
            await asyncio.wait_for(feed.ready.wait(), self.limits.start_timeout_s)
        except TimeoutError:
            feed.leave(viewer)
            raise CameraUnavailable("the camera sent no keyframe in time") from None
        if feed.info is None:
            feed.leave(viewer)
            raise CameraUnavailable(f"the camera did not start: {feed.end_reason}")
        return viewer

    def _open(self, camera_id: str, url: str) -> Feed:
        if len(self.feeds) >= self.limits.max_cameras:
            idle = next((feed for feed in self.feeds.values() if feed.idle), None)
            if idle is None:
                raise LiveCapacity(f"this worker already serves {self.limits.max_cameras} live cameras")
            idle.stop()  # one in its grace period makes room
        feed = Feed(camera_id, url, self._read_limits, self.limits, self._forget)
        self.feeds[camera_id] = feed
        LIVE_CAMERAS.set(len(self.feeds))
        self.upstreams_opened += 1
        feed.thread.start()
        return feed

    def _forget(self, feed: Feed) -> None:
        if self.feeds.get(feed.camera_id) is feed:
            del self.feeds[feed.camera_id]
            LIVE_CAMERAS.set(len(self.feeds))

    def stop(self) -> None:
        for feed in list(self.feeds.values()):
            feed.stop()
