"""Encryption at rest: AES-256-GCM with a key id per row, so keys can rotate without re-encrypting at once.

A sealed value is `nonce (12 bytes) || ciphertext+tag`; the row id is the associated data, so a ciphertext
copied onto another row fails to open. Case tokens are kept only as SHA-256 digests.
"""

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass

import orjson
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


@dataclass(frozen=True)
class Sealed:
    key_id: str
    blob: bytes


class Keyring:
    """The service's AES-256 keys by id, and the one new data is sealed with."""

    def __init__(self, keys: dict[str, bytes], active_key_id: str) -> None:
        if active_key_id not in keys:
            raise ValueError(f"REPORT_INTAKE_ACTIVE_KEY_ID {active_key_id!r} is not in REPORT_INTAKE_ENCRYPTION_KEYS")
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self.active_key_id = active_key_id

    @classmethod
    def from_settings(cls, settings) -> "Keyring":
        return cls(parse_keys(settings.encryption_keys.get_secret_value()), settings.active_key_id)

    def seal(self, plaintext: bytes, aad: bytes) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        blob = nonce + self._ciphers[self.active_key_id].encrypt(nonce, plaintext, aad)
        return Sealed(self.active_key_id, blob)

    def open(self, sealed: Sealed, aad: bytes) -> bytes:
        """The plaintext; raises KeyError for an unknown key id, InvalidTag for tampered data."""
        cipher = self._ciphers[sealed.key_id]
        return cipher.decrypt(sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:], aad)


def parse_keys(value: str) -> dict[str, bytes]:
    """`kid:base64key,...` -> {kid: 32-byte key}; ValueError naming the bad entry."""
    keys: dict[str, bytes] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        kid, sep, encoded = entry.partition(":")
        if not sep or not kid:
            raise ValueError("REPORT_INTAKE_ENCRYPTION_KEYS entries must look like kid:base64key")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise ValueError(f"encryption key {kid!r} is not valid base64") from exc
        if len(key) != 32:
            raise ValueError(f"encryption key {kid!r} must be 32 bytes (AES-256), not {len(key)}")
        keys[kid] = key
    if not keys:
        raise ValueError("REPORT_INTAKE_ENCRYPTION_KEYS holds no key")
    return keys


def new_case_token() -> str:
    """A fresh case token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def token_matches(token: str | None, digest: bytes) -> bool:
    """Constant-time comparison of a presented token with the stored digest."""
    presented = token_digest(token or "")
    return hmac.compare_digest(presented, digest)


def seal_json(keyring: Keyring, value: dict, row_id: bytes) -> Sealed:
    """Seal a JSON-able dict, bound to its row."""
    return keyring.seal(orjson.dumps(value), row_id)


def open_json(keyring: Keyring, key_id: str, blob: bytes, row_id: bytes) -> dict:
    return orjson.loads(keyring.open(Sealed(key_id, blob), row_id))
