"""Webhook signing secrets are kept sealed with the notifier keyring: a database dump or backup does not let
anyone forge a partner's webhooks. The plaintext exists only when the partner receives it (once, at creation)
and inside a send."""

import base64
import secrets
from uuid import UUID

import sqlalchemy as sa

from kentongan.crypto import Keyring, Sealed, associated_data


def new_secret() -> str:
    """A Standard Webhooks signing secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _bound_to(subscription_id: UUID) -> bytes:
    return associated_data("notifier.subscription.secret", subscription_id)


def seal_secret(keyring: Keyring, subscription_id: UUID, secret: str) -> tuple[str, str]:
    """(sealed secret in base64, key id), bound to its subscription."""
    sealed = keyring.seal(secret.encode(), _bound_to(subscription_id))
    return base64.b64encode(sealed.blob).decode(), sealed.key_id


def open_secret(keyring: Keyring, subscription_id: UUID | None, stored: str | None,
                key_id: str | None) -> str | None:
    """The signing secret of a delivery's subscription (None for deliveries without one)."""
    if stored is None or subscription_id is None:
        return None
    if key_id is None:  # stored before secrets were sealed (the migration seals those; kept for safety)
        return stored
    return keyring.open(Sealed(key_id, base64.b64decode(stored)), _bound_to(subscription_id)).decode()


def seal_stored_secrets(connection: sa.Connection, keyring: Keyring) -> int:
    """Seal in place every secret still stored in clear (the migration that introduced sealing); how many."""
    clear = connection.execute(sa.text(
        "SELECT id, secret FROM notifier.subscriptions WHERE secret_key_id IS NULL")).all()
    for row in clear:
        sealed, key_id = seal_secret(keyring, row.id, row.secret)
        connection.execute(sa.text("UPDATE notifier.subscriptions SET secret = :secret, "
                                   "secret_key_id = :key_id WHERE id = :id"),
                           {"secret": sealed, "key_id": key_id, "id": row.id})
    return len(clear)
