"""alarm-gateway settings (`ALARM_GATEWAY_*` on top of the platform's shared ones)."""

from pydantic_settings import SettingsConfigDict

from kentongan.placement import PlacementSettings
from kentongan.settings import ServiceSettings


class Settings(ServiceSettings, PlacementSettings):
    """Includes the placement settings (ALARM_GATEWAY_PLACEMENT_TIMEOUT_S, 15 s: an alarm no incident has taken
    by then is published again, see kentongan.placement)."""

    model_config = SettingsConfigDict(env_prefix="ALARM_GATEWAY_", extra="ignore", populate_by_name=True)

    # A second press from the same device within this window joins the alarm already raised.
    merge_window_s: int = 120
    # Alarm calls (raise, location, cancel, status) a device may make per minute.
    device_requests_per_minute: int = 60
    # Device registrations per client address per minute.
    registrations_per_minute: int = 30
    device_token_ttl_days: int = 365
