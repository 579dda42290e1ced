"""report-intake's secrets at rest: JSON sealed with the case's data key (kentongan.datakeys, AES-256-GCM; older
rows with the service keyring) and bound to its row id; case tokens kept only as SHA-256 digests; a report's
source only as a keyed hash."""

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


def source_fingerprint(key: bytes, client: str) -> str:
    """Where a report came from, as a keyed hash (HMAC-SHA256, 128 bits in hex): equal for one client, and
    without the key no one can tell which address it was, nor test a guess."""
    return hmac.new(key, client.encode(), hashlib.sha256).hexdigest()[:32]


def seal_json(keyring: Sealer, value: dict, row_id: bytes) -> Sealed:
    """Seal a JSON-able dict, bound to its row."""
    return keyring.seal(orjson.dumps(value), row_id)


def open_json(keyring: Sealer, key_id: str, blob: bytes, row_id: bytes) -> dict:
    return orjson.loads(keyring.open(Sealed(key_id, blob), row_id))
