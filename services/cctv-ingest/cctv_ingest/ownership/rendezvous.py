"""Rendezvous (highest-random-weight) hashing: every worker computes the same owner for every camera.

When a worker leaves, only its cameras move (each to its own next-best worker); when one joins, it takes
about 1/N of the cameras from all the others. No coordinator, no rebalancing protocol.
"""

from collections.abc import Iterable
from hashlib import blake2b


def _weight(worker_id: str, camera_id: str) -> int:
    return int.from_bytes(blake2b(f"{worker_id}\x00{camera_id}".encode(), digest_size=8).digest(), "big")


def owner(camera_id: str, workers: Iterable[str]) -> str | None:
    """The worker that owns the camera, or None when no worker is alive."""
    return max(workers, key=lambda worker: _weight(worker, camera_id), default=None)


def owned_by(worker_id: str, camera_ids: Iterable[str], workers: Iterable[str]) -> set[str]:
    """The cameras among `camera_ids` that `worker_id` owns."""
    live = sorted(set(workers) | {worker_id})
    return {camera_id for camera_id in camera_ids if owner(camera_id, live) == worker_id}
