"""dispatch settings (`DISPATCH_*` on top of the platform's shared ones)."""

from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict

from kentongan.bus_crypto import BusSealingSettings
from kentongan.callers import CallerKeySettings
from kentongan.crypto import SealingSettings, development_keys


class Settings(SealingSettings, CallerKeySettings, BusSealingSettings):
    """Its own keyring seals the callers' alarm notes at rest; the bus keyring opens them in alarm events; the
    caller keyring (shared with alarm-gateway) opens caller profiles."""

    model_config = SettingsConfigDict(env_prefix="DISPATCH_", extra="ignore", populate_by_name=True)

    # Alarms this close in space and time join one incident.
    merge_radius_m: float = 300.0
    merge_window_s: int = 600
    # An incident nobody acknowledged is escalated after this long, and again after a further period, up the
    # ladder of incidents/priority.py (operator -> supervisor -> duty officer), then stays at the top.
    escalate_after_s: int = 120
    escalation_check_interval_s: float = 5.0
    # Urgent reports without authentication from one source (report-intake's keyed hash of its address) within
    # this long of the last one join that source's active incident instead of opening one each.
    report_burst_window_s: int = 600
    # Events buffered per live-stream client before a slow client is dropped (it reconnects and reloads).
    stream_queue_size: int = 1000
    # `kid:base64(32-byte key),...`; the default is a development-only key, which production refuses.
    encryption_keys: SecretStr = development_keys("dispatch")

    # The console (/console). cctv-ingest's base URL, for the page's camera views (proxied through dispatch).
    cctv_ingest_url: str = "http://127.0.0.1:8003"
    cctv_timeout_s: float = 5.0
    # Map tiles, e.g. "https://tile.example.org/{z}/{x}/{y}.png"; empty: a plain background, no external requests.
    map_tile_url: str = ""
    map_tile_attribution: str = ""
