"""Where snapshot JPEGs live: the platform's object store (kentongan.blobs: a folder by default, or an
S3-compatible bucket). A blob reference is the object key, the same whatever the store."""


def latest_key(camera_id: str) -> str:
    return f"cameras/{camera_id}/latest.jpg"


def incident_key(camera_id: str, incident_id: str) -> str:
    return f"cameras/{camera_id}/incidents/{incident_id}.jpg"


def belongs_to(ref: str, camera_id: str) -> bool:
    return ref.startswith(f"cameras/{camera_id}/") and ".." not in ref
