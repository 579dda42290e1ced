"""Where snapshot JPEGs live. A blob reference is the object key, the same whatever the store.

The filesystem store is the default and the only one implemented and tested here; an S3-compatible store
(MinIO, AWS) implements the same three methods with put_object / get_object / delete_object.
"""

import os
import threading
from pathlib import Path
from typing import Protocol


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> str:
        """Store `data` under `key` (replacing it) and return its reference."""

    def get(self, ref: str) -> bytes | None:
        """The bytes of a reference, or None."""

    def delete(self, ref: str) -> None:
        """Remove a reference's blob (nothing if it is already gone)."""


class FilesystemBlobStore:
    """Blobs as files under one folder; a write is atomic (temporary file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError("blob key escapes the store")
        return path

    def put(self, key: str, data: bytes) -> str:
        path = self._path(key)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            temporary.write_bytes(data)
        except FileNotFoundError:  # first snapshot of this camera; later ones skip the mkdir syscalls
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary.write_bytes(data)
        temporary.replace(path)  # readers see the old or the new snapshot, never half of one
        return key

    def get(self, ref: str) -> bytes | None:
        try:
            return self._path(ref).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def delete(self, ref: str) -> None:
        self._path(ref).unlink(missing_ok=True)


def configured_store() -> BlobStore:
    """The store the settings name (CCTV_INGEST_BLOB_DIR): the retention run deletes expired snapshots in it."""
    from cctv_ingest.settings import Settings

    return FilesystemBlobStore(Path(Settings().blob_dir))


def latest_key(camera_id: str) -> str:
    return f"cameras/{camera_id}/latest.jpg"


def incident_key(camera_id: str, incident_id: str) -> str:
    return f"cameras/{camera_id}/incidents/{incident_id}.jpg"


def belongs_to(ref: str, camera_id: str) -> bool:
    return ref.startswith(f"cameras/{camera_id}/") and ".." not in ref
