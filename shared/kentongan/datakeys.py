"""Envelope encryption: one data key per record that must be erasable, wrapped by the service keyring.

A case's sealed values are encrypted with the case's own AES-256 data key; the data key is stored only
*wrapped* (sealed with the service keyring, kentongan.crypto, bound to its owner's id). Erasing the record
destroys its wrapped data key: every ciphertext of it, wherever a copy lives (a dump, a copied row, an
export), is then noise, because no key in any keyring opens it: this is crypto-shredding. Rotating the
keyring re-wraps the small data keys (`rewrap`), never the data.

Values sealed with a data key carry the key id `DATA_KEY_ID`, which no keyring id can equal (keyring ids never
hold a ":"), so rows sealed straight with the keyring before envelope encryption keep opening (`DataKeyring`
falls back to the keyring for them).
"""

import os
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from kentongan import sealedstream
from kentongan.crypto import NONCE_BYTES, Keyring, Sealed, associated_data

DATA_KEY_ID = "data-key:v1"


@dataclass(frozen=True)
class WrappedKey:
    """A data key as stored: sealed by the keyring key `key_id`."""

    key_id: str
    wrapped: bytes


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def wrap(keyring: Keyring, data_key: bytes, owner: str) -> WrappedKey:
    """The data key sealed with the keyring's active key, bound to its owner ("report:<id>")."""
    sealed = keyring.seal(data_key, _owner_aad(owner))
    return WrappedKey(sealed.key_id, sealed.blob)


def unwrap(keyring: Keyring, wrapped: WrappedKey, owner: str) -> bytes:
    return keyring.open(Sealed(wrapped.key_id, wrapped.wrapped), _owner_aad(owner))


def rewrap(keyring: Keyring, wrapped: WrappedKey, owner: str) -> WrappedKey | None:
    """The data key wrapped under the active key, or None when it already is (key rotation)."""
    if wrapped.key_id == keyring.active_key_id:
        return None
    return wrap(keyring, unwrap(keyring, wrapped, owner), owner)


class Sealer(Protocol):
    """What seals and opens values: the service `Keyring`, or one record's `DataKeyring`."""

    def seal(self, plaintext: bytes, aad: bytes) -> Sealed: ...

    def open(self, sealed: Sealed, aad: bytes, *older_aad: bytes) -> bytes: ...


class DataKeyring:
    """Seals and opens one record's values with its data key; values sealed before envelope encryption (with
    a keyring key id) open with the service keyring. Same `seal`/`open` as kentongan.crypto.Keyring."""

    def __init__(self, data_key: bytes, fallback: Keyring) -> None:
        self._cipher = AESGCM(data_key)
        self._data_key = data_key
        self._fallback = fallback

    def seal_stream(self, plaintext: AsyncIterable[bytes], aad: bytes) -> AsyncIterator[bytes]:
        """A large value (a file) sealed in chunks with the data key as it streams (kentongan.sealedstream)."""
        return sealedstream.seal_stream(self._data_key, plaintext, aad)

    def open_stream(self, sealed: AsyncIterable[bytes], aad: bytes) -> AsyncIterator[bytes]:
        return sealedstream.open_stream(self._data_key, sealed, aad)

    def seal(self, plaintext: bytes, aad: bytes) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        return Sealed(DATA_KEY_ID, nonce + self._cipher.encrypt(nonce, plaintext, aad))

    def open(self, sealed: Sealed, aad: bytes, *older_aad: bytes) -> bytes:
        if sealed.key_id != DATA_KEY_ID:
            return self._fallback.open(sealed, aad, *older_aad)
        for candidate in (aad, *older_aad):
            try:
                return self._cipher.decrypt(sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:], candidate)
            except InvalidTag:
                continue
        raise InvalidTag()


def _owner_aad(owner: str) -> bytes:
    return associated_data("kentongan.data_key", owner)


@dataclass(frozen=True)
class DataKeyTable:
    """Where a service keeps its wrapped data keys (`ServiceSpec.data_keys` names one), for `kentongan keys`."""

    table: str  # "report_intake.case_keys", with columns key_id and wrapped
    owner_column: str  # its primary key, "report_id"
    owner: Callable[[Any], str]  # the owner string a key is bound to, from that column's value
    keyring: Callable[[], Keyring]  # the service's keyring, from its settings


@dataclass(frozen=True)
class Rotation:
    rewrapped: int
    by_key_id: dict[str, int]  # how many data keys each keyring key wraps afterwards
    active_key_id: str


async def rotate(engine: AsyncEngine, keys: DataKeyTable, batch_size: int = 500, dry_run: bool = False) -> Rotation:
    """Re-wrap every data key not wrapped by the active keyring key, in short batches (each committed on its
    own, rows in use skipped and left for the next run): the services keep running and read either wrapping,
    as long as their keyring lists both keys. The data itself is never re-encrypted."""
    keyring, rewrapped = keys.keyring(), 0
    pick = text(f"SELECT {keys.owner_column} AS owner, key_id, wrapped FROM {keys.table} "  # noqa: S608 # constants
                f"WHERE key_id <> :active ORDER BY {keys.owner_column} LIMIT :batch FOR UPDATE SKIP LOCKED")
    store = text(f"UPDATE {keys.table} SET key_id = :key_id, wrapped = :wrapped "  # noqa: S608 # constants
                 f"WHERE {keys.owner_column} = :owner")
    while not dry_run:
        async with engine.begin() as conn:
            rows = (await conn.execute(pick, {"active": keyring.active_key_id, "batch": batch_size})).all()
            for row in rows:
                new = rewrap(keyring, WrappedKey(row.key_id, row.wrapped), keys.owner(row.owner))
                if new is not None:
                    await conn.execute(store, {"key_id": new.key_id, "wrapped": new.wrapped, "owner": row.owner})
        rewrapped += len(rows)
        if len(rows) < batch_size:
            break
    async with engine.connect() as conn:
        counts = (await conn.execute(text(f"SELECT key_id, count(*) FROM {keys.table} "  # noqa: S608 # constants
                                          "GROUP BY key_id"))).all()
    return Rotation(rewrapped, {row[0]: row[1] for row in counts}, keyring.active_key_id)
