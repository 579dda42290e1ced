"""alarm-gateway settings (`ALARM_GATEWAY_*` on top of the platform's shared ones)."""

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from kentongan.bus_crypto import BusSealingSettings
from kentongan.callers import CallerKeySettings
from kentongan.crypto import SealingSettings, development_keys
from kentongan.placement import PlacementSettings


class Settings(SealingSettings, CallerKeySettings, BusSealingSettings, PlacementSettings):
    """Its own keyring seals callers' profiles and alarm notes at rest; the caller keyring (shared with dispatch)
    seals profiles on the bus; the bus keyring seals the phones and texts of the SMS it asks notifier to send and
    the caller's note in the alarm's event. Includes the placement settings (ALARM_GATEWAY_PLACEMENT_TIMEOUT_S,
    15 s: an alarm no incident has taken by then is published again, see kentongan.placement)."""

    model_config = SettingsConfigDict(env_prefix="ALARM_GATEWAY_", extra="ignore", populate_by_name=True)

    # A second press from the same device within this window joins the alarm already raised.
    merge_window_s: int = 120
    # Alarm calls (raise, location, cancel, status) a device may make per minute.
    device_requests_per_minute: int = 60
    # Device registrations per client address per minute.
    registrations_per_minute: int = 30
    device_token_ttl_days: int = 365

    # Keyring for the callers' profiles at rest (`kid:base64(32-byte key),...`); development key by default.
    encryption_keys: SecretStr = development_keys("alarm-gateway")
    # Key of the keyed hashes that find a profile by phone and check one-time codes without storing either.
    lookup_key: SecretStr = SecretStr("dev-only-alarm-gateway-lookup-key")
    # Standard Webhooks secret (`whsec_<base64>`) the SMS provider signs inbound messages with.
    sms_inbound_secret: SecretStr = SecretStr("whsec_ZGV2LW9ubHktc21zLWluYm91bmQtc2VjcmV0")
    # An alarm that reaches the gateway this long after its `pressed_at` is marked `delayed`.
    delayed_after_s: int = 60

    def secret_values(self) -> dict[str, str]:
        # The development inbound secret is base64 of "dev-only-...": recognised here, refused in production.
        inbound = self.sms_inbound_secret.get_secret_value()
        return {**super().secret_values(), "ALARM_GATEWAY_LOOKUP_KEY": self.lookup_key.get_secret_value(),
                "ALARM_GATEWAY_SMS_INBOUND_SECRET": "dev-only" if inbound == DEV_SMS_INBOUND_SECRET else inbound}


DEV_SMS_INBOUND_SECRET = Settings.model_fields["sms_inbound_secret"].default.get_secret_value()
