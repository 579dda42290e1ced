"""A byte stream sealed in chunks (AES-256-GCM), so a large file is encrypted and decrypted as it streams.

The plaintext is cut into chunks of CHUNK_BYTES; each is sealed with its own random nonce and bound, in its
associated data, to what the whole stream belongs to (`aad`: the object and its owner), its index and whether
it is the last one. Chunks moved within a stream, between streams, dropped from the end or appended fail to
open: `InvalidTag`. Stored: `nonce (12) || ciphertext || tag (16)` per chunk, back to back.

With a record's data key (kentongan.datakeys), erasing the record shreds its files too, wherever they are.
"""

import os
from collections.abc import AsyncIterable, AsyncIterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kentongan.crypto import NONCE_BYTES, associated_data

CHUNK_BYTES = 64 * 1024
TAG_BYTES = 16
SEALED_CHUNK_BYTES = NONCE_BYTES + CHUNK_BYTES + TAG_BYTES


def sealed_size(plain_size: int) -> int:
    """The stored size of `plain_size` bytes (an empty stream is one empty sealed chunk)."""
    chunks = max(1, -(-plain_size // CHUNK_BYTES))
    return plain_size + chunks * (NONCE_BYTES + TAG_BYTES)


def _chunk_aad(aad: bytes, index: int, last: bool) -> bytes:
    return associated_data(aad, index.to_bytes(8, "big"), b"\x01" if last else b"\x00")


async def _rechunk(stream: AsyncIterable[bytes], size: int) -> AsyncIterator[tuple[bytes, bool]]:
    """The stream cut into pieces of exactly `size` bytes (the last one shorter, possibly empty), each with
    whether it is the last: one piece is held back until the next shows whether the stream goes on."""
    buffer = bytearray()
    held: bytes | None = None
    async for data in stream:
        buffer += data
        while len(buffer) > size:  # strictly more: a piece exactly filling the buffer might be the last
            if held is not None:
                yield held, False
            held = bytes(buffer[:size])
            del buffer[:size]
    if held is not None:
        if buffer:
            yield held, False
        else:
            yield held, True
            return
    yield bytes(buffer), True


async def seal_stream(key: bytes, plaintext: AsyncIterable[bytes], aad: bytes) -> AsyncIterator[bytes]:
    """The sealed chunks of `plaintext`, one per CHUNK_BYTES, as it arrives."""
    cipher = AESGCM(key)
    index = 0
    async for piece, last in _rechunk(plaintext, CHUNK_BYTES):
        nonce = os.urandom(NONCE_BYTES)
        yield nonce + cipher.encrypt(nonce, piece, _chunk_aad(aad, index, last))
        index += 1


async def open_stream(key: bytes, sealed: AsyncIterable[bytes], aad: bytes) -> AsyncIterator[bytes]:
    """The plaintext of `seal_stream`'s output, a chunk at a time; InvalidTag for any tampering, including
    a stream cut short (its last chunk was not sealed as the last)."""
    cipher = AESGCM(key)
    index = 0
    async for piece, last in _rechunk(sealed, SEALED_CHUNK_BYTES):
        if len(piece) < NONCE_BYTES + TAG_BYTES:
            raise InvalidTag()
        yield cipher.decrypt(piece[:NONCE_BYTES], piece[NONCE_BYTES:], _chunk_aad(aad, index, last))
        index += 1
