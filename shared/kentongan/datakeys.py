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
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

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
        self._fallback = fallback

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
