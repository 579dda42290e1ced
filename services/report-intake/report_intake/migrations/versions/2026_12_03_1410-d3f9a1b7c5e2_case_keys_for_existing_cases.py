"""existing cases get their own data key: what was sealed with the keyring is sealed again with the case's key

So crypto-shredding erases older cases too, and an old keyring key can be retired once `kentongan keys rotate`
has re-wrapped the data keys. Reads REPORT_INTAKE_ENCRYPTION_KEYS like the service. A row that does not open
(damaged) is left as it is. The downgrade seals every case's values with the keyring again.

Revision ID: d3f9a1b7c5e2
Revises: c2e8f4a6d1b9
Create Date: 2026-12-03 14:10:00
"""
import sqlalchemy as sa
from alembic import op
from cryptography.exceptions import InvalidTag

from kentongan import datakeys
from kentongan.crypto import Keyring, Sealed
from kentongan.datakeys import Sealer

revision = 'd3f9a1b7c5e2'
down_revision = 'c2e8f4a6d1b9'
branch_labels = None
depends_on = None

SCHEMA = "report_intake"
CASES_WITHOUT_KEY = (f"SELECT id FROM {SCHEMA}.reports r WHERE sealed IS NOT NULL AND NOT EXISTS "  # noqa: S608
                     f"(SELECT 1 FROM {SCHEMA}.case_keys k WHERE k.report_id = r.id)")


def upgrade() -> None:
    from report_intake.cases.keys import owner

    connection, keyring = op.get_bind(), _keyring()
    for (report_id,) in connection.execute(sa.text(CASES_WITHOUT_KEY)).all():
        data_key = datakeys.new_data_key()
        case = datakeys.DataKeyring(data_key, keyring)
        if not _reseal_case(connection, report_id, opener=case, sealer=case):
            continue
        wrapped = datakeys.wrap(keyring, data_key, owner(report_id))
        connection.execute(sa.text(f"INSERT INTO {SCHEMA}.case_keys (report_id, key_id, wrapped) "  # noqa: S608
                                   "VALUES (:id, :kid, :wrapped)"),
                           {"id": report_id, "kid": wrapped.key_id, "wrapped": wrapped.wrapped})


def downgrade() -> None:
    from report_intake.cases.keys import owner

    connection, keyring = op.get_bind(), _keyring()
    keys = connection.execute(sa.text(f"SELECT report_id, key_id, wrapped FROM {SCHEMA}.case_keys")).all()  # noqa: S608
    for report_id, key_id, wrapped in keys:
        data_key = datakeys.unwrap(keyring, datakeys.WrappedKey(key_id, wrapped), owner(report_id))
        _reseal_case(connection, report_id, opener=datakeys.DataKeyring(data_key, keyring), sealer=keyring)
    connection.execute(sa.text(f"DELETE FROM {SCHEMA}.case_keys"))  # noqa: S608


def _keyring() -> Keyring:
    from report_intake.settings import Settings

    return Keyring.from_settings(Settings())


def _reseal_case(connection, report_id, opener: Sealer, sealer: Sealer) -> bool:
    """Open each sealed value of the case with `opener`, seal it with `sealer`; False (nothing changed) when
    one does not open."""
    from report_intake.messages.service import bound_to

    rows = [("reports", report_id, report_id.bytes)]
    rows += [("referrals", r.id, r.id.bytes) for r in connection.execute(sa.text(
        f"SELECT id FROM {SCHEMA}.referrals WHERE report_id = :id AND sealed IS NOT NULL"), {"id": report_id})]  # noqa: S608
    messages = connection.execute(sa.text(f"SELECT id, author FROM {SCHEMA}.messages "  # noqa: S608
                                          "WHERE report_id = :id"), {"id": report_id}).all()
    rows += [("messages", m.id, bound_to(m.id, report_id, m.author), m.id.bytes) for m in messages]
    resealed = []
    for table, row_id, aad, *older in rows:
        key_id, blob = connection.execute(sa.text(f"SELECT key_id, sealed FROM {SCHEMA}.{table} "  # noqa: S608
                                                  "WHERE id = :id"), {"id": row_id}).one()
        try:
            plaintext = opener.open(Sealed(key_id, blob), aad, *older)
        except (InvalidTag, KeyError):
            return False
        resealed.append((table, row_id, sealer.seal(plaintext, aad)))
    for table, row_id, sealed in resealed:
        connection.execute(sa.text(f"UPDATE {SCHEMA}.{table} SET key_id = :kid, sealed = :blob "  # noqa: S608
                                   "WHERE id = :id"), {"kid": sealed.key_id, "blob": sealed.blob, "id": row_id})
    return True
