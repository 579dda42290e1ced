"""Where snapshot JPEGs live: the platform's object store (kentongan.blobs: a folder by default, or an
S3-compatible bucket). A blob reference is the object key, the same whatever the store."""

from kentongan.blobs import BlobStore, blob_store_from_settings


def configured_store() -> BlobStore:
    """The store the settings name (CCTV_INGEST_BLOB_STORE): the retention run deletes expired snapshots in it."""
    from cctv_ingest.settings import Settings

    return blob_store_from_settings(Settings())


def latest_key(camera_id: str) -> str:
    return f"cameras/{camera_id}/latest.jpg"


def incident_key(camera_id: str, incident_id: str) -> str:
    return f"cameras/{camera_id}/incidents/{incident_id}.jpg"


def belongs_to(ref: str, camera_id: str) -> bool:
    return ref.startswith(f"cameras/{camera_id}/") and ".." not in ref
