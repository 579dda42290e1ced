"""alarm-gateway settings (`ALARM_GATEWAY_*` on top of the platform's shared ones)."""

from pydantic_settings import SettingsConfigDict

from kentongan.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ALARM_GATEWAY_", extra="ignore", populate_by_name=True)

    # A second press from the same device within this window joins the alarm already raised.
    merge_window_s: int = 120
    # Alarm calls (raise, location, cancel, status) a device may make per minute.
    device_requests_per_minute: int = 60
    # Device registrations per client address per minute.
    registrations_per_minute: int = 30
    device_token_ttl_days: int = 365
    # An alarm no incident has taken this long after it was raised is published again (the same event; dispatch
    # skips one it already has), then again after twice as long each time, up to placement_max_backoff_s.
    placement_timeout_s: float = 15.0
    placement_max_backoff_s: float = 120.0
    # Past this, /readyz reports the oldest unplaced alarm (status "degraded": the gateway keeps taking alarms).
    placement_alert_after_s: float = 60.0
