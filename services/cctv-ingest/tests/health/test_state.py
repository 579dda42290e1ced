"""The health rules of one camera: degraded while failing inside the grace period, then offline."""

from datetime import UTC, datetime, timedelta

from cctv_ingest.health.state import Observation, Rules, next_state

RULES = Rules(offline_grace=timedelta(seconds=90), degraded_below_fps=2.0)
T0 = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def _failed(after_s: float) -> Observation:
    return Observation("cam", T0 + timedelta(seconds=after_s), ok=False, error="refused")


def test_a_failing_camera_is_degraded_within_the_grace_period_and_offline_after_it():
    assert next_state("online", T0, _failed(60), RULES) == "degraded"
    assert next_state("degraded", T0, _failed(90), RULES) == "offline"


def test_a_camera_that_never_answered_is_offline_at_once_and_a_slow_one_is_degraded():
    assert next_state("unknown", None, _failed(0), RULES) == "offline"
    slow = Observation("cam", T0, ok=True, fps=1.0)
    assert next_state("offline", T0, slow, RULES) == "degraded"
    assert next_state("degraded", T0, Observation("cam", T0, ok=True, fps=25.0), RULES) == "online"
