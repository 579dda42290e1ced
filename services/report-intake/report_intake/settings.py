"""report-intake settings (`REPORT_INTAKE_*` on top of the platform's shared ones)."""

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from kentongan.blobs import BlobSettings
from kentongan.bus_crypto import BusSealingSettings
from kentongan.crypto import SealingSettings, development_keys
from kentongan.placement import PlacementSettings

MIB = 1024 * 1024


class Settings(SealingSettings, BusSealingSettings, PlacementSettings, BlobSettings):
    """Its own keyring seals cases at rest; the bus keyring (shared with notifier) seals event fields. Includes
    the placement settings (REPORT_INTAKE_PLACEMENT_TIMEOUT_S, 15 s: an urgent report no incident was opened for
    by then is published again, see kentongan.placement) and the object store of the evidence attachments
    (REPORT_INTAKE_BLOB_STORE, REPORT_INTAKE_S3_*: kentongan.blobs)."""

    model_config = SettingsConfigDict(env_prefix="REPORT_INTAKE_", extra="ignore", populate_by_name=True)

    # Keyring as `kid:base64(32-byte key),kid2:...`; old keys stay listed so older rows still decrypt.
    # The default is a development-only key, which production refuses.
    encryption_keys: SecretStr = development_keys("report-intake")
    # Reports one client address may submit per minute (stops floods, not people).
    reports_per_minute: int = 600

    blob_dir: str = ".devstack/evidence"
    # Evidence attachments: files per case, bytes per file (a phone's video of a few minutes).
    attachment_max_files: int = Field(10, ge=1)
    attachment_max_bytes: int = Field(50 * MIB, ge=1024)
    # Where an upload is kept while its metadata is stripped (a private folder, files 0600, deleted at once;
    # an emptyDir in Kubernetes). Unset: the system's temporary folder.
    upload_tmp_dir: str | None = None
    # Upload requests (files, tus parts) per case token and per client address, per hour.
    uploads_per_token_per_hour: int = Field(60, ge=1)
    uploads_per_address_per_hour: int = Field(300, ge=1)
    # ClamAV's clamd (`host:port`, INSTREAM over TCP): every file is scanned before it is stored, a finding is
    # quarantined (never stored, never shown to an agency). Empty: no scan.
    clamd_address: str = ""
    clamd_timeout_s: float = Field(30.0, gt=0)
