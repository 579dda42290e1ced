"""cctv-ingest settings (`CCTV_INGEST_*` on top of the platform's shared ones)."""

import os
import socket
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from kentongan.blobs import BlobSettings
from kentongan.settings import PLACEHOLDER_SECRET


def _default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class Settings(BlobSettings):
    """Snapshots go to the object store of CCTV_INGEST_BLOB_STORE (kentongan.blobs: `filesystem` under
    CCTV_INGEST_BLOB_DIR, or `s3` with CCTV_INGEST_S3_*)."""

    model_config = SettingsConfigDict(env_prefix="CCTV_INGEST_", extra="ignore", populate_by_name=True)

    # Bulk imports of 11,000 cameras are a few MB; everything else stays small.
    max_import_bytes: int = 16 * 1024 * 1024

    # Ingestion. Most cameras are only polled (open, one keyframe, close) at the health interval.
    ingest_enabled: bool = True
    health_interval_s: float = 60.0
    hot_interval_s: float = 5.0  # cameras near an open incident or with priority >= hot_priority
    hot_priority: int = 9
    hot_radius_m: float = 500.0
    max_streams: int = 64  # held streams per worker; hot cameras beyond this are polled at hot_interval_s
    open_timeout_s: float = 5.0
    read_timeout_s: float = 5.0
    max_concurrent_reads: int = 32  # pool threads; each blocks on one camera at most open+read timeout
    offline_grace_s: float = 90.0  # no keyframe for this long (and the last read failed): offline
    degraded_below_fps: float = 2.0
    registry_refresh_s: float = 15.0
    health_flush_s: float = 1.0

    # Ownership: rendezvous hashing over workers whose heartbeat is fresh.
    worker_id: str = Field(default_factory=_default_worker_id)
    heartbeat_interval_s: float = 5.0
    worker_ttl_s: float = 20.0

    # Snapshots.
    snapshot_width: int = 640
    blob_dir: str = ".devstack/cctv-snapshots"
    # Prefix of the snapshot URLs in events (e.g. https://cctv.kentongan.example); empty: relative URLs.
    public_url: str = ""
    incident_cameras: int = 5
    incident_radius_m: float = 1000.0

    # RTSP transport: tcp (default: UDP loses packets behind NAT and firewalls), udp for cameras that only
    # speak RTP over UDP, or auto: UDP first, then TCP when the camera refuses UDP (461).
    rtsp_transport: Literal["tcp", "udp", "auto"] = "tcp"

    # Live video (cctv_ingest.live): tickets signed with this key, valid `live_ticket_ttl_s` to start.
    live_ticket_key: SecretStr = Field(SecretStr(PLACEHOLDER_SECRET))
    live_ticket_ttl_s: float = Field(60.0, gt=0, le=600)
    max_live_cameras: int = Field(16, ge=1)  # upstreams per worker; each is a PyAV thread remuxing one camera
    max_live_viewers: int = Field(8, ge=1)  # viewers per camera
    live_grace_s: float = Field(10.0, ge=0)  # the upstream stays open this long after its last viewer
    # Bytes a viewer may fall behind (queued, beyond its socket) before it is dropped: ~8 s at 4 Mbit/s.
    live_viewer_buffer_bytes: int = Field(4 * 1024 * 1024, ge=64 * 1024)
    live_jpeg_interval_s: float = Field(1.0, gt=0)  # the JPEG fallback's rate for codecs browsers cannot play
    # This worker's own base URL as other workers and dispatch reach it (e.g. http://10.1.2.3:8003): a live
    # stream asked of another worker is redirected here when this one owns the camera. Empty: one worker.
    live_url: str = ""

    # Demo data.
    demo_cameras: int = 11_000

    def secret_values(self) -> dict[str, str]:
        return {**super().secret_values(), "CCTV_INGEST_LIVE_TICKET_KEY": self.live_ticket_key.get_secret_value()}
