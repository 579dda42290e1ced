"""A message's sealed text is bound to its row, its case and its author: relabelling a case worker's message
as the reporter's (an attacker with write access to the table) makes it unreadable, while messages sealed
before the binding was widened still open."""

from datetime import UTC, datetime
from uuid import UUID

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from uuid6 import uuid7

from kentongan.crypto import Keyring
from report_intake.crypto import seal_json
from report_intake.messages import service as messages
from report_intake.models import Message
from report_intake.settings import Settings


@pytest.fixture(scope="module")
def keyring() -> Keyring:
    return Keyring.from_settings(Settings())


async def _case(submit, report_body) -> UUID:
    report_id, _ = await submit(report_body())
    return UUID(report_id)


async def test_a_message_relabelled_as_the_reporters_no_longer_opens(intake, submit, report_body, database,
                                                                    keyring):
    report_id = await _case(submit, report_body)
    sessions = async_sessionmaker(database, expire_on_commit=False)
    async with sessions() as session:
        written = await messages.post(session, keyring, report_id, "disdik", "Mohon datang ke sekolah besok.")
        await session.commit()
        assert [m.body for m in (await messages.thread(session, keyring, report_id, 50, None)).items] == [
            "Mohon datang ke sekolah besok."]
    async with database.begin() as conn:
        await conn.execute(text("UPDATE report_intake.messages SET author = 'reporter' WHERE id = :id"),
                           {"id": written.id})
    async with sessions() as session:
        with pytest.raises(InvalidTag):
            await messages.thread(session, keyring, report_id, 50, None)


async def test_a_message_sealed_before_the_binding_was_widened_still_opens(intake, submit, report_body,
                                                                          database, keyring):
    report_id = await _case(submit, report_body)
    message_id = uuid7()
    sealed = seal_json(keyring, {"body": "pesan lama"}, message_id.bytes)  # the former binding: the row id
    sessions = async_sessionmaker(database, expire_on_commit=False)
    async with sessions() as session:
        session.add(Message(id=message_id, report_id=report_id, author="reporter", key_id=sealed.key_id,
                            sealed=sealed.blob, created_at=datetime.now(UTC)))
        await session.commit()
        thread = await messages.thread(session, keyring, report_id, 50, None)
        assert [m.body for m in thread.items] == ["pesan lama"]
