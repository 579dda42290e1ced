"""alarm-gateway settings (`ALARM_GATEWAY_*` on top of the platform's shared ones)."""

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from kentongan.bus_crypto import BusSealingSettings
from kentongan.crypto import SealingSettings, development_keys
from kentongan.placement import PlacementSettings


class Settings(SealingSettings, BusSealingSettings, PlacementSettings):
    """Includes the placement settings (ALARM_GATEWAY_PLACEMENT_TIMEOUT_S, 15 s: an alarm no incident has taken
    by then is published again, see kentongan.placement). Its keyring seals the caller's note at rest; the bus
    keyring seals it in the alarm's event."""

    model_config = SettingsConfigDict(env_prefix="ALARM_GATEWAY_", extra="ignore", populate_by_name=True)

    # A second press from the same device within this window joins the alarm already raised.
    merge_window_s: int = 120
    # Alarm calls (raise, location, cancel, status) a device may make per minute.
    device_requests_per_minute: int = 60
    # Device registrations per client address per minute.
    registrations_per_minute: int = 30
    device_token_ttl_days: int = 365
    # `kid:base64(32-byte key),...`; the default is a development-only key, which production refuses.
    encryption_keys: SecretStr = development_keys("alarm-gateway")
