"""The local development inbox: messages land in a table that `GET /v1/dev/outbox` shows.

Even in development nothing that identifies a caller or a reporter is kept in clear: each message's target (a
phone number, a push token) and payload are sealed with notifier's keyring, bound to the delivery, and the
target is findable only by a keyed hash (HMAC-SHA256 under a key derived from the active key; after a key
rotation, messages kept before it are no longer found by target, which an inbox for development can afford).
"""

import hashlib
import hmac
from dataclasses import dataclass
from uuid import UUID

import orjson
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kentongan.crypto import Keyring, Sealed, associated_data
from notifier.channels.base import Outgoing, SendResult
from notifier.models import DevMessage

_TARGET_HASH_PURPOSE = "notifier dev inbox target"


def target_digest(keyring: Keyring, target: str) -> str:
    """The keyed hash a message's target is looked up by."""
    return hmac.new(keyring.derive_key(_TARGET_HASH_PURPOSE), target.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class OpenedMessage:
    target: str
    payload: dict


def open_message(keyring: Keyring, message: DevMessage) -> OpenedMessage:
    opened = orjson.loads(keyring.open(Sealed(message.key_id, message.sealed), _aad(message.delivery_id)))
    return OpenedMessage(opened["target"], opened["payload"])


def _aad(delivery_id: UUID) -> bytes:
    return associated_data("dev inbox message", delivery_id)


class DevInboxChannel:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], keyring: Keyring) -> None:
        self._sessionmaker = sessionmaker
        self._keyring = keyring

    async def send(self, message: Outgoing) -> SendResult:
        sealed = self._keyring.seal(orjson.dumps({"target": message.target, "payload": message.payload}),
                                    _aad(message.delivery_id))
        async with self._sessionmaker() as session, session.begin():
            await session.execute(insert(DevMessage).values(
                delivery_id=message.delivery_id, channel=message.channel,
                target_hash=target_digest(self._keyring, message.target), key_id=sealed.key_id,
                sealed=sealed.blob,
            ).on_conflict_do_nothing(index_elements=["delivery_id"]))
        return SendResult(True)
