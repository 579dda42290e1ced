"""report-intake settings (`REPORT_INTAKE_*` on top of the platform's shared ones)."""

import base64

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from kentongan.settings import ServiceSettings
from report_intake.crypto import Keyring

# A development-only AES-256 key; its id starts with "dev-only", so production refuses to start with it.
DEV_ENCRYPTION_KEYS = "dev-only:" + base64.b64encode(b"dev-only-report-intake-key-00000").decode()


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REPORT_INTAKE_", extra="ignore", populate_by_name=True)

    # Keyring as `kid:base64(32-byte key),kid2:...`; old keys stay listed so older rows still decrypt.
    encryption_keys: SecretStr = SecretStr(DEV_ENCRYPTION_KEYS)
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
