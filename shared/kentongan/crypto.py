"""Encryption at rest: AES-256-GCM with a key id per value, so keys can rotate without re-encrypting at once.

A sealed value is `nonce (12 bytes) || ciphertext+tag`; the caller binds it with associated data
(`associated_data(purpose, row id, ...)`: the row, and what on the row gives the value its meaning), so a
ciphertext copied onto another row, or a row whose meaning was changed around it, fails to open. Each
service keeps its own keyring in `<PREFIX>ENCRYPTION_KEYS` (`kid:base64key,...`; old keys stay listed so
older values still open) and seals new values with `<PREFIX>ACTIVE_KEY_ID`.
"""

import base64
import os
from dataclasses import dataclass
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretStr, model_validator

from kentongan.settings import ServiceSettings

NONCE_BYTES = 12
DEVELOPMENT_KEY_PREFIX = b"dev-only-"


def development_keys(service: str) -> SecretStr:
    """A development-only AES-256 key for `service`; its id starts with "dev-only", so production refuses it
    (ServiceSettings refuses secrets that start so), and so do its bytes, so `kentongan check` recognises it
    under any other key id too (`is_development_key`)."""
    key = f"dev-only-{service}-key-".ljust(32, "0")[:32].encode()
    return SecretStr("dev-only:" + base64.b64encode(key).decode())


def is_development_key(key: bytes) -> bool:
    """True for a key of `development_keys` (any service's), by its value, whatever id it is listed under."""
    return key.startswith(DEVELOPMENT_KEY_PREFIX)


@dataclass(frozen=True)
class Sealed:
    key_id: str
    blob: bytes


class Keyring:
    """A service's AES-256 keys by id, and the one new data is sealed with."""

    def __init__(self, keys: dict[str, bytes], active_key_id: str, setting: str = "ENCRYPTION_KEYS") -> None:
        if active_key_id not in keys:
            raise ValueError(f"the active key id {active_key_id!r} is not in {setting}")
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}
        self._active_key = keys[active_key_id]
        self.active_key_id = active_key_id

    @classmethod
    def from_settings(cls, settings: "SealingSettings") -> "Keyring":
        """From `encryption_keys` and `active_key_id` of a service's settings (errors name its variables)."""
        setting = _setting_name(settings, "ENCRYPTION_KEYS")
        return cls(parse_keys(settings.encryption_keys.get_secret_value(), setting), settings.active_key_id, setting)

    def seal(self, plaintext: bytes, aad: bytes) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        blob = nonce + self._ciphers[self.active_key_id].encrypt(nonce, plaintext, aad)
        return Sealed(self.active_key_id, blob)

    def derive_key(self, purpose: str) -> bytes:
        """A 32-byte key for another use than sealing (a keyed hash), derived from the active key with
        HKDF-SHA256 and `purpose`: no second secret to manage, and it changes when the key rotates."""
        kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
        return kdf.derive(self._active_key)

    def open(self, sealed: Sealed, aad: bytes, *older_aad: bytes) -> bytes:
        """The plaintext; raises KeyError for an unknown key id, InvalidTag for tampered data. `older_aad`:
        what values sealed before their binding was widened are bound to; they still open, so widening a
        binding needs no re-encryption migration (a value sealed with the new binding never opens with an old
        one: the associated data differs)."""
        cipher = self._ciphers[sealed.key_id]
        for candidate in (aad, *older_aad):
            try:
                return cipher.decrypt(sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:], candidate)
            except InvalidTag:
                continue
        raise InvalidTag()


def associated_data(*parts: str | bytes | UUID) -> bytes:
    """What a sealed value is bound to, each part length-prefixed so no two lists of parts encode alike: its
    purpose and row and whatever on the row gives it meaning (a message's case and author), or an event's
    topic, type, subject and field. A ciphertext moved anywhere else fails to open."""
    encoded = bytearray()
    for part in parts:
        raw = part.bytes if isinstance(part, UUID) else part.encode() if isinstance(part, str) else part
        encoded += len(raw).to_bytes(4, "big") + raw
    return bytes(encoded)


def seal_text(keyring: Keyring, text: str | None, aad: bytes) -> tuple[str | None, bytes | None]:
    """An optional text column pair (key id, sealed bytes): (None, None) for no text."""
    if text is None:
        return None, None
    sealed = keyring.seal(text.encode(), aad)
    return sealed.key_id, sealed.blob


def open_text(keyring: Keyring, key_id: str | None, blob: bytes | None, aad: bytes) -> str | None:
    """The text `seal_text` sealed, or None."""
    if key_id is None or blob is None:
        return None
    return keyring.open(Sealed(key_id, blob), aad).decode()


def parse_keys(value: str, setting: str = "ENCRYPTION_KEYS") -> dict[str, bytes]:
    """`kid:base64key,...` -> {kid: 32-byte key}; ValueError naming the bad entry."""
    keys: dict[str, bytes] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        kid, sep, encoded = entry.partition(":")
        if not sep or not kid:
            raise ValueError(f"{setting} entries must look like kid:base64key")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise ValueError(f"encryption key {kid!r} is not valid base64") from exc
        if len(key) != 32:
            raise ValueError(f"encryption key {kid!r} must be 32 bytes (AES-256), not {len(key)}")
        keys[kid] = key
    if not keys:
        raise ValueError(f"{setting} holds no key")
    return keys


class SealingSettings(ServiceSettings):
    """Settings of a service that seals values at rest: its keyring (`<PREFIX>ENCRYPTION_KEYS`, each service
    giving its own development key as the default) and the key new values are sealed with. A keyring that
    cannot be used refuses to load, and production refuses the development key like any other placeholder."""

    encryption_keys: SecretStr
    active_key_id: str = "dev-only"

    @model_validator(mode="after")
    def _keyring_is_usable(self) -> "SealingSettings":
        Keyring.from_settings(self)  # raises ValueError naming what is wrong
        return self

    def secret_values(self) -> dict[str, str]:
        return {**super().secret_values(), **self.keyrings()}

    def keyrings(self) -> dict[str, str]:
        return {**super().keyrings(), _setting_name(self, "ENCRYPTION_KEYS"): self.encryption_keys.get_secret_value()}


def _setting_name(settings: ServiceSettings, name: str) -> str:
    return f"{settings.model_config.get('env_prefix', '')}{name}"
