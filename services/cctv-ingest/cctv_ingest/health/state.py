"""The health state machine of one camera, as a pure function of its last state and a new observation."""

from dataclasses import dataclass
from datetime import datetime, timedelta

ONLINE, DEGRADED, OFFLINE, UNKNOWN = "online", "degraded", "offline", "unknown"


@dataclass(frozen=True)
class Observation:
    """The outcome of one read of a camera (a keyframe, or the redacted reason there was none)."""

    camera_id: str
    at: datetime
    ok: bool
    width: int | None = None
    height: int | None = None
    codec: str | None = None
    fps: float | None = None
    snapshot_ref: str | None = None
    motion_score: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class Rules:
    offline_grace: timedelta
    degraded_below_fps: float


def next_state(previous: str, last_frame_at: datetime | None, seen: Observation, rules: Rules) -> str:
    """Online with a good keyframe; degraded when slow or failing within the grace period; offline after it."""
    if seen.ok:
        slow = seen.fps is not None and seen.fps < rules.degraded_below_fps
        return DEGRADED if slow else ONLINE
    if last_frame_at is None:
        return OFFLINE  # never delivered a frame: nothing to wait for
    if seen.at - last_frame_at >= rules.offline_grace:
        return OFFLINE
    return DEGRADED if previous in (ONLINE, DEGRADED) else previous
