"""report-intake settings (`REPORT_INTAKE_*` on top of the platform's shared ones)."""

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from kentongan.crypto import Keyring, development_keys
from kentongan.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORT_INTAKE_", extra="ignore", populate_by_name=True)

    # Keyring as `kid:base64(32-byte key),kid2:...`; old keys stay listed so older rows still decrypt.
    # The default is a development-only key, which production refuses.
    encryption_keys: SecretStr = development_keys("report-intake")
    # The key new rows are sealed with.
    active_key_id: str = "dev-only"
    # Reports one client address may submit per minute (stops floods, not people).
    reports_per_minute: int = 600

    @model_validator(mode="after")
    def _keyring_is_usable(self) -> "Settings":
        Keyring.from_settings(self)  # raises ValueError naming what is wrong
        return self

    def secret_values(self) -> dict[str, str]:
        return {**super().secret_values(),
                "REPORT_INTAKE_ENCRYPTION_KEYS": self.encryption_keys.get_secret_value()}
