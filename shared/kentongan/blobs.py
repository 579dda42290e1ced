"""The platform's one object store: bytes under a key, streamed in and out, on the filesystem or in an
S3-compatible bucket (MinIO, Ceph, AWS), chosen by settings (`<PREFIX>BLOB_STORE`).

A blob is written whole or not at all (a temporary file renamed; an S3 object appears only when its upload
completes), and read as a stream of chunks so no caller holds a large object in memory. Keys are the
caller's: cctv-ingest names snapshots by camera, report-intake uses random ids that reveal nothing. An
unreachable store, or a bucket that does not exist, is a `BlobStoreUnavailable` (503, "retry") whose detail
names no host, key or bucket; the log says which.
"""

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import SecretStr

from kentongan.errors import NotFound, ServiceUnavailable
from kentongan.settings import ServiceSettings

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
# S3 multipart parts are at least 5 MiB (but the last); one part is buffered per upload in flight.
S3_PART_BYTES = 8 * 1024 * 1024
OBJECT_STORE_DOWN = "the object store does not answer"  # /readyz's reason (the details are logged)


class BlobNotFound(NotFound):
    """No such object."""

    error = "blob_not_found"


class BlobStoreUnavailable(ServiceUnavailable):
    """The object store is unreachable or not set up; nothing was changed, retry shortly."""

    error = "object_store_unavailable"

    def __init__(self, why: str) -> None:
        log.error("object store unavailable: %s", why)
        super().__init__("object storage is temporarily unavailable; retry")
        self.why = why  # for operators and tests; never sent to the client


class BlobStore(Protocol):
    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        """Store the stream under `key` (replacing it), all or nothing; the number of bytes stored."""

    async def get(self, key: str) -> AsyncIterator[bytes]:
        """The object's bytes as a stream of chunks; BlobNotFound (before any byte) when there is none."""

    async def delete(self, key: str) -> None:
        """Remove the object; deleting a missing one is no error."""

    async def exists(self, key: str) -> bool: ...

    async def check(self) -> None:
        """Raise BlobStoreUnavailable unless the store is reachable and ready (readiness, start-up)."""

    async def aclose(self) -> None:
        """Release connections (at shutdown)."""


async def put_bytes(store: BlobStore, key: str, data: bytes) -> int:
    async def one() -> AsyncIterator[bytes]:
        yield data

    return await store.put(key, one())


async def read_all(store: BlobStore, key: str) -> bytes:
    """A small object whole (snapshots, thumbnails); large ones are streamed with `get`."""
    return b"".join([chunk async for chunk in await store.get(key)])


class FilesystemBlobStore:
    """Blobs as files under one folder (the development default); a write is a temporary file renamed."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise BlobNotFound()  # a key escaping the store names no object of it
        return path

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        path = self.path(key)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.{id(chunks)}.tmp")
        handle = await asyncio.to_thread(_create, temporary)
        size = 0
        try:
            async for chunk in chunks:
                await asyncio.to_thread(handle.write, chunk)
                size += len(chunk)
            await asyncio.to_thread(handle.close)
            await asyncio.to_thread(temporary.replace, path)  # readers see the old or the new, never half
        except BaseException:
            handle.close()
            temporary.unlink(missing_ok=True)
            raise
        return size

    def write_blocking(self, key: str, data: bytes) -> str:
        """`put` for a worker thread writing a small blob whole (camera snapshots); returns the key."""
        path = self.path(key)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with _create(temporary) as handle:
            handle.write(data)
        temporary.replace(path)
        return key

    async def get(self, key: str) -> AsyncIterator[bytes]:
        try:
            handle = await asyncio.to_thread(self.path(key).open, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise BlobNotFound() from None
        return _file_chunks(handle)

    async def delete(self, key: str) -> None:
        with contextlib.suppress(BlobNotFound):
            await asyncio.to_thread(self.path(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        try:
            return await asyncio.to_thread(self.path(key).is_file)
        except BlobNotFound:
            return False

    async def aclose(self) -> None:
        return None

    async def check(self) -> None:
        try:
            await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)
        except OSError as exc:
            raise BlobStoreUnavailable(f"blob folder {self.root}: {exc}") from None


def _create(path: Path) -> Any:
    try:
        return path.open("wb")
    except FileNotFoundError:  # the first blob under this prefix; later ones skip the mkdir syscalls
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("wb")


async def _file_chunks(handle: Any) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(handle.read, CHUNK_BYTES):
            yield chunk
    finally:
        handle.close()


class S3BlobStore:
    """Blobs as objects of one bucket of an S3-compatible service, uploaded in parts as they stream (one part
    buffered), server-side encrypted when `sse` is set. Timeouts and retries are short: a store that is down
    answers 503 within seconds instead of holding the request."""

    def __init__(self, *, bucket: str, endpoint_url: str | None, region: str, access_key_id: str | None,
                 secret_access_key: str | None, sse: str = "", connect_timeout_s: float = 3.0,
                 read_timeout_s: float = 30.0, part_bytes: int = S3_PART_BYTES) -> None:
        from aiobotocore.config import AioConfig
        from aiobotocore.session import get_session

        self.bucket = bucket
        self._sse = {"ServerSideEncryption": sse} if sse else {}
        self._part_bytes = part_bytes
        self._client_args: dict[str, Any] = {
            "endpoint_url": endpoint_url, "region_name": region, "aws_access_key_id": access_key_id,
            "aws_secret_access_key": secret_access_key,
            "config": AioConfig(connect_timeout=connect_timeout_s, read_timeout=read_timeout_s,
                                retries={"max_attempts": 2, "mode": "standard"}, signature_version="s3v4")}
        self._session = get_session()
        self._client: Any = None
        self._exit: contextlib.AsyncExitStack | None = None
        self._lock = asyncio.Lock()

    async def _s3(self) -> Any:
        async with self._lock:
            if self._client is None:
                self._exit = contextlib.AsyncExitStack()
                self._client = await self._exit.enter_async_context(
                    self._session.create_client("s3", **self._client_args))
            return self._client

    async def aclose(self) -> None:
        if self._exit is not None:
            await self._exit.aclose()
            self._client, self._exit = None, None

    async def put(self, key: str, chunks: AsyncIterable[bytes]) -> int:
        # Only the store's own calls are wrapped: an error of the caller's stream (a client gone) stays as is.
        with self._errors(key):
            s3 = await self._s3()
        parts: list[dict[str, Any]] = []
        upload_id: str | None = None
        size = 0
        try:
            async for part in _parts(chunks, self._part_bytes):
                size += len(part)
                with self._errors(key):
                    if upload_id is None and len(part) < self._part_bytes:  # the whole blob in one part
                        await s3.put_object(Bucket=self.bucket, Key=key, Body=part, **self._sse)
                        return size
                    if upload_id is None:
                        created = await s3.create_multipart_upload(Bucket=self.bucket, Key=key, **self._sse)
                        upload_id = created["UploadId"]
                    answer = await s3.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                  PartNumber=len(parts) + 1, Body=part)
                parts.append({"PartNumber": len(parts) + 1, "ETag": answer["ETag"]})
            with self._errors(key):
                if upload_id is None:  # an empty stream
                    await s3.put_object(Bucket=self.bucket, Key=key, Body=b"", **self._sse)
                    return 0
                await s3.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                   MultipartUpload={"Parts": parts})
        except BaseException:
            if upload_id is not None:  # no half object, no parts left stored (and billed)
                with contextlib.suppress(Exception):
                    await s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            raise
        return size

    async def get(self, key: str) -> AsyncIterator[bytes]:
        with self._errors(key):
            answer = await (await self._s3()).get_object(Bucket=self.bucket, Key=key)
        return self._body_chunks(answer["Body"], key)

    async def _body_chunks(self, body: Any, key: str) -> AsyncIterator[bytes]:
        with self._errors(key):
            async with body:
                while chunk := await body.read(CHUNK_BYTES):
                    yield chunk

    async def delete(self, key: str) -> None:
        with self._errors(key):
            await (await self._s3()).delete_object(Bucket=self.bucket, Key=key)

    async def exists(self, key: str) -> bool:
        try:
            with self._errors(key):
                await (await self._s3()).head_object(Bucket=self.bucket, Key=key)
        except BlobNotFound:
            return False
        return True

    async def check(self) -> None:
        with self._errors(None):
            await (await self._s3()).head_bucket(Bucket=self.bucket)

    @contextlib.contextmanager
    def _errors(self, key: str | None) -> Iterator[None]:
        """botocore's errors as ours: a missing object is BlobNotFound, the rest BlobStoreUnavailable."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in ("NoSuchKey", "404", "NotFound") and key is not None:
                raise BlobNotFound() from None
            if code in ("NoSuchBucket", "404", "NotFound"):
                raise BlobStoreUnavailable(f"bucket {self.bucket!r} does not exist") from None
            raise BlobStoreUnavailable(f"S3 refused ({code}) on bucket {self.bucket!r}") from None
        except (BotoCoreError, OSError) as exc:
            raise BlobStoreUnavailable(f"S3 unreachable: {exc}") from None


async def _parts(chunks: AsyncIterable[bytes], size: int) -> AsyncIterator[bytes]:
    """The stream re-cut into parts of `size` bytes (the last shorter)."""
    buffer = bytearray()
    async for chunk in chunks:
        buffer += chunk
        while len(buffer) >= size:
            yield bytes(buffer[:size])
            del buffer[:size]
    if buffer:
        yield bytes(buffer)


class BlobSettings(ServiceSettings):
    """A service's object store (`<PREFIX>BLOB_STORE` and the rest, with the service's prefix)."""

    blob_store: Literal["filesystem", "s3"] = "filesystem"
    blob_dir: str = ".devstack/blobs"
    # S3-compatible storage: the endpoint (MinIO, Ceph; unset for AWS), bucket, region, credentials (from a
    # Secret in production) and server-side encryption ("AES256", "aws:kms", or "" for none).
    s3_endpoint_url: str | None = None
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_sse: Literal["", "AES256", "aws:kms"] = ""

    def secret_values(self) -> dict[str, str]:
        prefix = self.model_config.get("env_prefix", "")
        secret = self.s3_secret_access_key
        return {**super().secret_values(),
                **({f"{prefix}S3_SECRET_ACCESS_KEY": secret.get_secret_value()} if secret else {})}

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        prefix = self.model_config.get("env_prefix", "")
        if self.blob_store == "s3" and not self.s3_bucket:
            problems.append(f"{prefix}S3_BUCKET is empty while {prefix}BLOB_STORE=s3")
        if self.blob_store == "s3" and not self.s3_sse:
            problems.append(f"{prefix}S3_SSE is empty: objects are stored without server-side encryption")
        return problems


def blob_store_from_settings(settings: BlobSettings) -> FilesystemBlobStore | S3BlobStore:
    if settings.blob_store == "filesystem":
        return FilesystemBlobStore(Path(settings.blob_dir))
    key_id, secret = settings.s3_access_key_id, settings.s3_secret_access_key
    return S3BlobStore(bucket=settings.s3_bucket, endpoint_url=settings.s3_endpoint_url,
                       region=settings.s3_region, access_key_id=key_id.get_secret_value() if key_id else None,
                       secret_access_key=secret.get_secret_value() if secret else None, sse=settings.s3_sse)


async def close_at_shutdown(store: BlobStore) -> None:
    """A service worker (`create_service_app(workers=...)`) that closes the store's connections when the app
    stops."""
    try:
        await asyncio.Event().wait()
    finally:
        await store.aclose()


class BlockingBlobs:
    """Whole small blobs written from worker threads (cctv-ingest's camera readers) while the event loop
    runs: straight to disk for the filesystem store, through the loop for the others."""

    def __init__(self, store: BlobStore, loop: asyncio.AbstractEventLoop, timeout_s: float = 30.0) -> None:
        self._store, self._loop, self._timeout_s = store, loop, timeout_s

    def put(self, key: str, data: bytes) -> str:
        if isinstance(self._store, FilesystemBlobStore):
            return self._store.write_blocking(key, data)
        done = asyncio.run_coroutine_threadsafe(put_bytes(self._store, key, data), self._loop)
        done.result(self._timeout_s)
        return key
