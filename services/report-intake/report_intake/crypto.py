"""report-intake's secrets at rest: JSON sealed with the case's data key (kentongan.datakeys, AES-256-GCM; older
rows with the service keyring) and bound to its row id; case tokens kept only as SHA-256 digests."""

import hashlib
import hmac
import secrets

import orjson

from kentongan.crypto import Sealed
from kentongan.datakeys import Sealer


def new_case_token() -> str:
    """A fresh case token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def token_matches(token: str | None, digest: bytes) -> bool:
    """Constant-time comparison of a presented token with the stored digest."""
    presented = token_digest(token or "")
    return hmac.compare_digest(presented, digest)


def seal_json(keyring: Sealer, value: dict, row_id: bytes) -> Sealed:
    """Seal a JSON-able dict, bound to its row."""
    return keyring.seal(orjson.dumps(value), row_id)


def open_json(keyring: Sealer, key_id: str, blob: bytes, row_id: bytes) -> dict:
    return orjson.loads(keyring.open(Sealed(key_id, blob), row_id))
