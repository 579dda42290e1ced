"""The local development inbox: messages land in a table that `GET /v1/dev/outbox` shows."""

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifier.channels.base import Outgoing, SendResult
from notifier.models import DevMessage


class DevInboxChannel:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def send(self, message: Outgoing) -> SendResult:
        async with self._sessionmaker() as session, session.begin():
            await session.execute(insert(DevMessage).values(
                delivery_id=message.delivery_id, channel=message.channel, target=message.target,
                payload=message.payload,
            ).on_conflict_do_nothing(index_elements=["delivery_id"]))
        return SendResult(True)
