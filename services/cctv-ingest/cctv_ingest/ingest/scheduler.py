"""The ingest worker: reads its share of the cameras on their cadence and records what it saw.

Three loops share one event loop:
- membership: heartbeat, list live workers, reload the registry, keep the cameras this worker owns;
- dispatch: a heap of (due time, camera); due cameras are read in a bounded thread pool (PyAV blocks);
  hot cameras (near an open incident, or high priority) get a held stream instead (StreamWatcher), up to
  `max_streams`, and fall back to fast polling beyond that;
- flush: observations are written in batches, one transaction per batch, with their health events.
A dead or hung camera holds one pool thread for at most open+read timeout and never delays the heap.
"""

import asyncio
import contextlib
import heapq
import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cctv_ingest.health import service as health
from cctv_ingest.health.state import Observation, Rules
from cctv_ingest.ingest.grabber import CameraReadError, Keyframe, ReadLimits, grab_keyframe, motion_score
from cctv_ingest.ingest.limits import read_limits
from cctv_ingest.ingest.watcher import StreamWatcher
from cctv_ingest.ownership import repository as ownership
from cctv_ingest.ownership.rendezvous import owned_by
from cctv_ingest.settings import Settings
from cctv_ingest.snapshots import repository as foci
from cctv_ingest.snapshots.blobs import latest_key
from kentongan.blobs import BlockingBlobs
from kentongan.db import unit_of_work
from kentongan.geo import haversine_m

log = logging.getLogger(__name__)

Reader = Callable[[str, ReadLimits], Keyframe]
DISPATCH_TICK_S = 0.05


@dataclass
class Target:
    camera_id: str
    url: str
    interval_s: float
    hot: bool = False


class IngestScheduler:
    """One ingest worker (run one per core: each process is a worker with its own id)."""

    def __init__(self, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], blobs: BlockingBlobs,
                 read: Reader = grab_keyframe) -> None:
        self.settings = settings
        self._sessionmaker = sessionmaker
        self._blobs = blobs
        self._read = read
        self._limits = read_limits(settings)
        self._rules = Rules(timedelta(seconds=settings.offline_grace_s), settings.degraded_below_fps)
        self._pool = ThreadPoolExecutor(settings.max_concurrent_reads, thread_name_prefix="camera-read")
        self._slots = asyncio.Semaphore(settings.max_concurrent_reads)
        self._reads: set[asyncio.Task[None]] = set()  # held so a running read is not garbage-collected
        self._targets: dict[str, Target] = {}
        self._watchers: dict[str, StreamWatcher] = {}
        self._due: list[tuple[float, str]] = []
        self._grey: dict[str, bytes] = {}
        self._observations: list[Observation] = []
        self._wake = asyncio.Event()
        self.reads = 0

    @property
    def owned(self) -> int:
        return len(self._targets)

    @property
    def streamed(self) -> set[str]:
        """The cameras read continuously (held streams) right now."""
        return set(self._watchers)

    async def run(self) -> None:
        """Read cameras until cancelled, then leave so the other workers take over at once."""
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._membership_loop())
                group.create_task(self._dispatch_loop())
                group.create_task(self._flush_loop())
        finally:
            for watcher in self._watchers.values():
                watcher.stop()
            self._pool.shutdown(wait=False, cancel_futures=True)
            await self._leave()

    async def _membership_loop(self) -> None:
        next_registry = 0.0
        workers: list[str] = []
        while True:
            try:
                async with unit_of_work(self._sessionmaker) as session:
                    live = await ownership.heartbeat(session, self.settings.worker_id,
                                                     timedelta(seconds=self.settings.worker_ttl_s),
                                                     self.settings.live_url or None)
                    if live != workers or time.monotonic() >= next_registry:
                        workers = live
                        await self._reload(session, workers)
                        next_registry = time.monotonic() + self.settings.registry_refresh_s
            except Exception as exc:  # noqa: BLE001 # the database is back soon; keep reading the cameras we have
                log.warning("ingest membership refresh failed: %r", exc)
            await asyncio.sleep(min(self.settings.heartbeat_interval_s, self.settings.registry_refresh_s))

    async def _reload(self, session: AsyncSession, workers: list[str]) -> None:
        cameras = await ownership.enabled_cameras(session)
        mine = owned_by(self.settings.worker_id, [camera.id for camera in cameras], workers)
        hot_places = await foci.open_foci(session)
        fresh = {camera.id: self._target(camera, hot_places) for camera in cameras if camera.id in mine}
        self._targets = self._schedule(fresh)
        self._wake.set()
        log.debug("worker %s owns %d of %d cameras (%d workers)", self.settings.worker_id, len(fresh),
                  len(cameras), len(workers))

    def _target(self, camera, hot_places: list[tuple[float, float]]) -> Target:
        hot = camera.priority >= self.settings.hot_priority or any(
            haversine_m(camera.lat, camera.lon, lat, lon) <= self.settings.hot_radius_m for lat, lon in hot_places)
        interval = self.settings.hot_interval_s if hot else self.settings.health_interval_s
        return Target(camera.id, camera.stream_url, interval, hot)

    def _schedule(self, fresh: dict[str, Target]) -> dict[str, Target]:
        """Start and stop held streams, and queue the cameras that are new or just became hot."""
        streamed = set(sorted(t.camera_id for t in fresh.values() if t.hot)[:self.settings.max_streams])
        for camera_id in list(self._watchers):
            target = fresh.get(camera_id)
            if camera_id not in streamed or target is None or target.url != self._watchers[camera_id].url:
                self._watchers.pop(camera_id).stop()
                self._due_at(camera_id, time.monotonic())  # back to polling (dropped if no longer ours)
        for camera_id in streamed - set(self._watchers):
            self._watchers[camera_id] = self._watch(fresh[camera_id])
        now = time.monotonic()
        # At start-up spread the first reads over a whole interval (no thundering herd of 11,000 opens);
        # a camera added later is read within a few seconds.
        spread_cap = float("inf") if not self._targets else 5.0
        for camera_id, target in fresh.items():
            known = self._targets.get(camera_id)
            if known is None:
                self._due_at(camera_id, now + random.uniform(0, min(target.interval_s, spread_cap)))  # noqa: S311 # spreads load
            elif target.interval_s < known.interval_s:
                self._due_at(camera_id, now)  # became hot: read it now
        return fresh

    def _due_at(self, camera_id: str, when: float) -> None:
        heapq.heappush(self._due, (when, camera_id))

    def _watch(self, target: Target) -> StreamWatcher:
        loop = asyncio.get_running_loop()

        def on_frame(camera_id: str, frame: Keyframe) -> None:
            observation = self._observed(camera_id, datetime.now(UTC), frame)
            loop.call_soon_threadsafe(lambda: self._observations.append(observation))

        def on_failure(camera_id: str, error: str) -> None:
            observation = Observation(camera_id, datetime.now(UTC), ok=False, error=error[:500])
            loop.call_soon_threadsafe(lambda: self._observations.append(observation))

        return StreamWatcher(target.camera_id, target.url, self._limits, target.interval_s, on_frame,
                             on_failure).start()

    async def _dispatch_loop(self) -> None:
        while True:
            now = time.monotonic()
            while self._due and self._due[0][0] <= now:
                _, camera_id = heapq.heappop(self._due)
                target = self._targets.get(camera_id)
                if target is None or camera_id in self._watchers:
                    continue  # no longer ours, disabled, or read continuously: drop it
                await self._slots.acquire()
                read = asyncio.create_task(self._read_one(target))
                self._reads.add(read)
                read.add_done_callback(self._reads.discard)
            delay = self._due[0][0] - time.monotonic() if self._due else 1.0
            self._wake.clear()
            # Wake at most every DISPATCH_TICK_S: 183 reads/s then cost ~20 wake-ups, not 183.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(max(delay, DISPATCH_TICK_S), 1.0))

    async def _read_one(self, target: Target) -> None:
        try:
            observation = await asyncio.get_running_loop().run_in_executor(self._pool, self._observe, target)
            self._observations.append(observation)
            self.reads += 1
        finally:
            self._slots.release()
            if target.camera_id in self._targets and target.camera_id not in self._watchers:
                self._due_at(target.camera_id, time.monotonic() + self._targets[target.camera_id].interval_s)

    def _observe(self, target: Target) -> Observation:
        """Runs in a pool thread: read one keyframe, store it as the latest snapshot."""
        at = datetime.now(UTC)
        try:
            frame = self._read(target.url, self._limits)
        except CameraReadError as exc:
            return Observation(target.camera_id, at, ok=False, error=str(exc)[:500])
        return self._observed(target.camera_id, at, frame)

    def _observed(self, camera_id: str, at: datetime, frame: Keyframe) -> Observation:
        """Store the keyframe as the camera's latest snapshot and score its motion (any thread)."""
        ref = self._blobs.put(latest_key(camera_id), frame.jpeg)
        score = motion_score(self._grey.get(camera_id), frame.grey)
        self._grey[camera_id] = frame.grey
        return Observation(camera_id, at, ok=True, width=frame.width, height=frame.height,
                           codec=frame.codec, fps=frame.fps, snapshot_ref=ref, motion_score=score)

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.health_flush_s)
            await self.flush()

    async def flush(self) -> None:
        """Write the observations gathered so far (kept for the next try if the database is away)."""
        batch, self._observations = self._observations, []
        if not batch:
            return
        try:
            async with unit_of_work(self._sessionmaker) as session:
                await health.record(session, batch, self._rules)
        except Exception as exc:  # noqa: BLE001 # whatever failed, the observations are kept for the next try
            log.warning("could not record %d camera observations, retrying: %r", len(batch), exc)
            self._observations = batch + self._observations

    async def _leave(self) -> None:
        try:
            async with unit_of_work(self._sessionmaker) as session:
                await ownership.leave(session, self.settings.worker_id)
        except Exception as exc:  # noqa: BLE001 # the heartbeat will expire instead
            log.warning("could not leave the worker list: %r", exc)
