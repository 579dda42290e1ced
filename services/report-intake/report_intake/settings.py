"""report-intake settings (`REPORT_INTAKE_*` on top of the platform's shared ones)."""

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from kentongan.bus_crypto import BusSealingSettings
from kentongan.crypto import SealingSettings, development_keys
from kentongan.placement import PlacementSettings


class Settings(SealingSettings, BusSealingSettings, PlacementSettings):
    """Its own keyring seals cases at rest; the bus keyring (shared with notifier) seals event fields. Includes
    the placement settings (REPORT_INTAKE_PLACEMENT_TIMEOUT_S, 15 s: an urgent report no incident was opened for
    by then is published again, see kentongan.placement)."""

    model_config = SettingsConfigDict(env_prefix="REPORT_INTAKE_", extra="ignore", populate_by_name=True)

    # Keyring as `kid:base64(32-byte key),kid2:...`; old keys stay listed so older rows still decrypt.
    # The default is a development-only key, which production refuses.
    encryption_keys: SecretStr = development_keys("report-intake")
    # Reports one client address may submit per minute (stops floods, not people).
    reports_per_minute: int = 600
