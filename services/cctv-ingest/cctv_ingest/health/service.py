"""Recording observations: new health per camera, and an event on cctv.health.v1 for each change of state."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from cctv_ingest.health import repository
from cctv_ingest.health.schemas import HealthSummary
from cctv_ingest.health.state import UNKNOWN, Observation, Rules, next_state
from cctv_ingest.models import outbox
from kentongan.events.cctv import CameraHealthChanged
from kentongan.outbox import add_event


async def record(session: AsyncSession, observations: Sequence[Observation], rules: Rules) -> int:
    """Apply observations in order; returns how many cameras changed state (each one is an event)."""
    latest = {seen.camera_id: seen for seen in observations}  # one row per camera per batch
    known = await repository.current(session, list(latest))
    rows, changed = [], 0
    for camera_id, seen in latest.items():
        before = known.get(camera_id)
        if before is None:
            continue  # deleted while being read
        row = _new_row(before, seen, rules)
        rows.append(row)
        previous = before.state or UNKNOWN
        if row["state"] != previous:
            changed += 1
            await add_event(session, outbox, CameraHealthChanged(
                camera_id=camera_id, state=row["state"], previous_state=previous, kecamatan=before.kecamatan,
                last_frame_at=row["last_frame_at"], consecutive_failures=row["consecutive_failures"],
                reason=seen.error, changed_at=seen.at))
    await repository.upsert(session, rows)
    return changed


def _new_row(before: Row, seen: Observation, rules: Rules) -> dict:
    """The health row after `seen`; a failed read keeps what the last good one measured."""
    previous = before.state or UNKNOWN
    state = next_state(previous, before.last_frame_at, seen, rules)
    measured = ({"width": seen.width, "height": seen.height, "codec": seen.codec, "fps": seen.fps,
                 "motion_score": seen.motion_score} if seen.ok else
                {"width": before.width, "height": before.height, "codec": before.codec, "fps": before.fps,
                 "motion_score": before.motion_score})
    return {
        "camera_id": seen.camera_id, "state": state, "last_checked_at": seen.at,
        "last_frame_at": seen.at if seen.ok else before.last_frame_at,
        "state_changed_at": seen.at if state != previous else before.state_changed_at,
        "consecutive_failures": 0 if seen.ok else (before.consecutive_failures or 0) + 1,
        "last_error": None if seen.ok else seen.error, "snapshot_ref": seen.snapshot_ref or before.snapshot_ref,
        **measured,
    }


async def summary(session: AsyncSession) -> HealthSummary:
    """Counts of cameras by state, and by state within each kecamatan."""
    by_state: dict[str, int] = defaultdict(int)
    by_area: dict[str, dict[str, int]] = defaultdict(dict)
    for area, state, count in await repository.counts(session):
        by_state[state] += count
        by_area[area][state] = count
    return HealthSummary(total=sum(by_state.values()), by_state=dict(by_state), by_kecamatan=dict(by_area))
