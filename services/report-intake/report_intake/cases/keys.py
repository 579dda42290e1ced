"""Each case's data key (kentongan.datakeys): made at submission, unwrapped to seal or open the case's values,
destroyed when the case is erased."""

from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan import datakeys
from kentongan.crypto import Keyring
from kentongan.datakeys import DataKeyring, DataKeyTable, WrappedKey
from report_intake.cases.errors import CaseErased
from report_intake.models import CaseKey, Report


def new_case_keyring(session: AsyncSession, keyring: Keyring, report_id: UUID) -> DataKeyring:
    """A new case's keyring, its wrapped data key added to the session."""
    data_key = datakeys.new_data_key()
    wrapped = datakeys.wrap(keyring, data_key, owner(report_id))
    session.add(CaseKey(report_id=report_id, key_id=wrapped.key_id, wrapped=wrapped.wrapped))
    return DataKeyring(data_key, keyring)


async def case_keyring(session: AsyncSession, keyring: Keyring, report: Report) -> DataKeyring:
    """The case's keyring; a case from before envelope encryption gets its data key now (its older values
    still open with the service keyring). An erased case has none, and never gets one again."""
    if report.erased_at is not None:
        raise CaseErased()
    report_id = report.id
    row = await session.get(CaseKey, report_id)
    if row is None:
        wrapped = datakeys.wrap(keyring, datakeys.new_data_key(), owner(report_id))
        # Two first requests on an old case at once: one key wins, the other request uses it.
        await session.execute(insert(CaseKey).values(report_id=report_id, key_id=wrapped.key_id,
                                                     wrapped=wrapped.wrapped).on_conflict_do_nothing())
        row = (await session.scalars(select(CaseKey).where(CaseKey.report_id == report_id))).one()
    data_key = datakeys.unwrap(keyring, WrappedKey(row.key_id, row.wrapped), owner(report_id))
    return DataKeyring(data_key, keyring)


async def destroy(session: AsyncSession, report_id: UUID) -> None:
    """Crypto-shred the case: without its data key, no copy of its ciphertext opens again."""
    await session.execute(delete(CaseKey).where(CaseKey.report_id == report_id))


def owner(report_id: UUID) -> str:
    return f"report:{report_id}"


def _service_keyring() -> Keyring:
    from report_intake.settings import Settings

    return Keyring.from_settings(Settings())


# For `kentongan keys rotate` (ServiceSpec.data_keys).
DATA_KEYS = DataKeyTable(table="report_intake.case_keys", owner_column="report_id", owner=owner,
                         keyring=_service_keyring)
