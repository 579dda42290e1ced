"""A database error never carries the statement's bound values into its message (and so into a log)."""

from uuid import uuid4

import pytest
from sqlalchemy import Column, MetaData, String, Table, Uuid, insert
from sqlalchemy.exc import DBAPIError

from kentongan.db import unit_of_work
from kentongan.dev.testing import tables_of

metadata = MetaData(schema="db_errors_test")
contacts = Table("contacts", metadata, Column("id", Uuid, primary_key=True), Column("phone", String(8)))


async def test_a_failed_statement_does_not_echo_its_parameters(settings):
    phone = f"+62 812 {uuid4().hex[:6]} rahasia"  # too long for the column: the statement fails
    async with tables_of(settings, metadata) as sessionmaker:
        with pytest.raises(DBAPIError) as failed:
            async with unit_of_work(sessionmaker) as session:
                await session.execute(insert(contacts).values(id=uuid4(), phone=phone))
    assert "rahasia" not in str(failed.value) and phone not in repr(failed.value)
    assert "value too long" in str(failed.value)  # the error itself still says what went wrong
