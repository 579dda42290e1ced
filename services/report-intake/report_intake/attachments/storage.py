"""An attachment's objects in the store (kentongan.blobs): each sealed in chunks with the case's data key
(kentongan.sealedstream), bound to the attachment and to which copy it is, under a random key that says
nothing about the case."""

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from uuid import UUID

from kentongan.blobs import CHUNK_BYTES, BlobStore
from kentongan.crypto import associated_data
from kentongan.datakeys import DataKeyring

log = logging.getLogger(__name__)


def new_object_key(prefix: str = "evidence") -> str:
    return f"{prefix}/{secrets.token_hex(16)}"


def object_aad(owner: UUID, copy: str) -> bytes:
    """What an object is bound to: its attachment (or upload) and which copy ("file", "thumbnail",
    "original", "part:<n>")."""
    return associated_data("report-intake.attachment", owner, copy)


async def put_file(store: BlobStore, case: DataKeyring, key: str, path: Path, aad: bytes) -> None:
    await store.put(key, case.seal_stream(file_chunks(path), aad))


async def put_data(store: BlobStore, case: DataKeyring, key: str, data: bytes, aad: bytes) -> None:
    async def one() -> AsyncIterator[bytes]:
        yield data

    await store.put(key, case.seal_stream(one(), aad))


async def open_object(store: BlobStore, case: DataKeyring, key: str, aad: bytes) -> AsyncIterator[bytes]:
    """The object's plaintext as a stream; BlobNotFound before any byte when it is gone."""
    return case.open_stream(await store.get(key), aad)


async def file_chunks(path: Path) -> AsyncIterator[bytes]:
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
            yield chunk
    finally:
        handle.close()


async def delete_objects(store: BlobStore, keys: Iterable[str | None]) -> None:
    """Delete these objects (after the commit that forgot them); one that fails is logged and left to the
    bucket's lifecycle rule: sealed with the case's key, it is noise once that key is gone."""
    for key in filter(None, keys):
        try:
            await store.delete(key)
        except Exception:  # best effort: the next object is still tried
            log.warning("could not delete an attachment object; the lifecycle rule will", exc_info=True)

