"""kentongan.blobs: one contract both stores pass (filesystem, and S3 against moto's S3 server), the S3
store's failures (no bucket, server down) as a clear 503, and kentongan.sealedstream's chunked encryption."""

import os
from collections.abc import AsyncIterator

import pytest
from cryptography.exceptions import InvalidTag
from moto.server import ThreadedMotoServer

from kentongan.blobs import (
    BlobNotFound,
    BlobStoreUnavailable,
    FilesystemBlobStore,
    S3BlobStore,
    put_bytes,
    read_all,
)
from kentongan.dev.stack import free_port
from kentongan.sealedstream import CHUNK_BYTES, open_stream, seal_stream, sealed_size


@pytest.fixture(scope="module")
def moto_url():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_store(url: str, bucket: str, **extra) -> S3BlobStore:
    return S3BlobStore(bucket=bucket, endpoint_url=url, region="us-east-1", access_key_id="test",
                       secret_access_key="test", **extra)  # moto accepts any


@pytest.fixture(params=["filesystem", "s3"])
async def store(request, tmp_path, moto_url):
    if request.param == "filesystem":
        yield FilesystemBlobStore(tmp_path / "blobs")
        return
    # Parts of 5 MiB (S3's minimum) so an upload of 12 MiB goes up in three parts; a fresh bucket per test.
    bucket = f"evidence-{os.urandom(4).hex()}"
    s3 = s3_store(moto_url, bucket, sse="AES256", part_bytes=5 * 1024 * 1024)
    await (await s3._s3()).create_bucket(Bucket=bucket)
    yield s3
    await s3.aclose()


async def stream_of(data: bytes, piece: int = 100_000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), piece):
        yield data[start:start + piece]


async def test_a_stream_stored_reads_back_byte_for_byte(store):
    data = os.urandom(12 * 1024 * 1024 + 17)  # several S3 parts, an odd tail
    assert await store.put("a/b/big.bin", stream_of(data)) == len(data)
    assert await store.exists("a/b/big.bin")
    chunks = [chunk async for chunk in await store.get("a/b/big.bin")]
    assert b"".join(chunks) == data
    assert max(len(chunk) for chunk in chunks) <= 1024 * 1024  # streamed, not one whole buffer


async def test_small_and_empty_blobs_and_replacing(store):
    await put_bytes(store, "small", b"one")
    await put_bytes(store, "small", b"two")
    await put_bytes(store, "empty", b"")
    assert await read_all(store, "small") == b"two"
    assert await read_all(store, "empty") == b""


async def test_a_missing_object_is_not_found_and_deleting_is_idempotent(store):
    assert not await store.exists("never")
    with pytest.raises(BlobNotFound):
        await store.get("never")
    await put_bytes(store, "doomed", b"x")
    await store.delete("doomed")
    await store.delete("doomed")
    assert not await store.exists("doomed")
    with pytest.raises(BlobNotFound):
        await read_all(store, "doomed")


async def test_a_failed_upload_leaves_no_object(store):
    async def breaks() -> AsyncIterator[bytes]:
        yield os.urandom(6 * 1024 * 1024)
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await store.put("half", breaks())
    assert not await store.exists("half")
    await store.check()


async def test_filesystem_keys_cannot_escape_the_folder(tmp_path):
    store = FilesystemBlobStore(tmp_path / "blobs")
    (tmp_path / "secret").write_bytes(b"outside")
    with pytest.raises(BlobNotFound):
        await store.get("../secret")
    assert not await store.exists("../secret")


async def test_a_bucket_that_does_not_exist_is_a_clear_503(moto_url):
    store = s3_store(moto_url, "no-such-bucket")
    try:
        for attempt in (store.check(), put_bytes(store, "k", b"x"), store.get("k")):
            with pytest.raises(BlobStoreUnavailable) as caught:
                await attempt
            assert caught.value.status_code == 503
            assert "no-such-bucket" in caught.value.why  # the log names it...
            assert "bucket" not in str(caught.value.detail)  # ...the client learns nothing of the setup
    finally:
        await store.aclose()


async def test_a_server_that_is_down_is_a_clear_503_within_seconds():
    store = s3_store(f"http://127.0.0.1:{free_port()}", "evidence", connect_timeout_s=0.5)
    try:
        with pytest.raises(BlobStoreUnavailable) as caught:
            await put_bytes(store, "k", b"x")
        assert "unreachable" in caught.value.why
        assert caught.value.detail == "object storage is temporarily unavailable; retry"
    finally:
        await store.aclose()


async def sealed(data: bytes, key: bytes, aad: bytes) -> list[bytes]:
    return [chunk async for chunk in seal_stream(key, stream_of(data, 7777), aad)]


async def opened(chunks: list[bytes], key: bytes, aad: bytes) -> bytes:
    return b"".join([piece async for piece in open_stream(key, stream_of(b"".join(chunks), 50_000), aad)])


@pytest.mark.parametrize("size", [0, 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES])
async def test_a_sealed_stream_opens_to_the_same_bytes(size):
    key, data = os.urandom(32), os.urandom(size)
    chunks = await sealed(data, key, b"attachment:1")
    assert sum(map(len, chunks)) == sealed_size(size)
    assert await opened(chunks, key, b"attachment:1") == data


async def test_sealed_chunks_cannot_be_reordered_cut_moved_or_tampered():
    key, data = os.urandom(32), os.urandom(3 * CHUNK_BYTES + 5)
    chunks = await sealed(data, key, b"attachment:1")
    assert data[:64] not in b"".join(chunks)
    for forged in ([chunks[1], chunks[0], *chunks[2:]],  # reordered
                   chunks[:-1],  # cut short
                   [*chunks, chunks[-1]]):  # a chunk appended
        with pytest.raises(InvalidTag):
            await opened(forged, key, b"attachment:1")
    with pytest.raises(InvalidTag):
        await opened(chunks, key, b"attachment:2")  # another object's binding
    with pytest.raises(InvalidTag):
        await opened(chunks, os.urandom(32), b"attachment:1")  # another key
