"""The channel interface: send one claimed delivery and say how it went."""

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True)
class Outgoing:
    """What a channel needs to send one delivery."""

    delivery_id: UUID
    channel: str
    target: str
    payload: dict
    secret: str | None = None  # a subscription's signing secret (webhooks)


@dataclass(frozen=True)
class SendResult:
    """How a send went. `provider_message_id`: the provider accepted the message and will send receipts
    naming it (the delivery is then `sent`, not yet `delivered`). `permanent`: the provider refused it for
    good (an invalid number, an unregistered token); it is `failed`, never retried. `unregistered`: the push
    token is gone and is dropped from where it was recorded."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    provider_message_id: str | None = None
    permanent: bool = False
    unregistered: bool = False


class Channel(Protocol):
    async def send(self, message: Outgoing) -> SendResult: ...
