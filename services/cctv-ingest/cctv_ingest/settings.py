"""cctv-ingest settings (`CCTV_INGEST_*` on top of the platform's shared ones)."""

import os
import socket

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from kentongan.blobs import BlobSettings


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

    # Demo data.
    demo_cameras: int = 11_000
