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
    ok: bool
    status_code: int | None = None
    error: str | None = None


class Channel(Protocol):
    async def send(self, message: Outgoing) -> SendResult: ...
