"""alarms keep the caller's note sealed: `note` moves into `note_sealed` (AES-256-GCM under `note_key_id`,
bound to the alarm), and the clear column goes. Existing notes are sealed with the service's active key
(ALARM_GATEWAY_ENCRYPTION_KEYS must be set for this migration as for the service). Alarm events still waiting
in the outbox or for placement get their note sealed with the bus keyring, as new events carry it.

Revision ID: 26af87ae7d9e
Revises: f3a8c1d5e7b9
Create Date: 2026-12-03 13:40:00
"""
import orjson
import sqlalchemy as sa
from alembic import op

from kentongan.bus_crypto import BusKeyring
from kentongan.crypto import Keyring, seal_text
from kentongan.events.alarms import AlarmRaised, note_aad

revision = '26af87ae7d9e'
down_revision = 'f3a8c1d5e7b9'
branch_labels = None
depends_on = None

SCHEMA = "alarm_gateway"


def upgrade() -> None:
    from alarm_gateway.settings import Settings

    settings = Settings()
    op.add_column('alarms', sa.Column('note_key_id', sa.String(length=64), nullable=True), schema=SCHEMA)
    op.add_column('alarms', sa.Column('note_sealed', sa.LargeBinary(), nullable=True), schema=SCHEMA)
    connection = op.get_bind()
    keyring = Keyring.from_settings(settings)
    rows = connection.execute(sa.text(f"SELECT id, note FROM {SCHEMA}.alarms WHERE note IS NOT NULL")).all()  # noqa: S608 # constant
    for row in rows:
        key_id, blob = seal_text(keyring, row.note, note_aad(row.id))
        connection.execute(sa.text(f"UPDATE {SCHEMA}.alarms SET note_key_id = :kid, note_sealed = :blob "  # noqa: S608
                                   "WHERE id = :id"), {"kid": key_id, "blob": blob, "id": row.id})
    op.drop_column('alarms', 'note', schema=SCHEMA)
    bus = BusKeyring.from_settings(settings)
    for table, subject in (("outbox", "key"), ("awaiting_placement", "subject")):
        _seal_pending_notes(connection, bus, table, subject)


def _seal_pending_notes(connection: sa.Connection, bus: BusKeyring, table: str, subject: str) -> None:
    rows = connection.execute(sa.text(f"SELECT {subject} AS subject, event_id, value FROM {SCHEMA}.{table} "  # noqa: S608
                                      "WHERE event_type = :type"), {"type": AlarmRaised.ce_type}).all()
    for row in rows:
        data = orjson.loads(row.value)
        if isinstance(data.get("note"), str):
            data["note"] = bus.seal(AlarmRaised, row.subject, "note", data["note"]).model_dump()
            connection.execute(sa.text(f"UPDATE {SCHEMA}.{table} SET value = :value "  # noqa: S608
                                       "WHERE event_id = :event_id"),
                               {"value": orjson.dumps(data), "event_id": row.event_id})


def downgrade() -> None:
    # The sealed notes are not written back in clear: a downgrade keeps the alarms and loses their notes.
    op.add_column('alarms', sa.Column('note', sa.String(length=500), nullable=True), schema=SCHEMA)
    op.drop_column('alarms', 'note_sealed', schema=SCHEMA)
    op.drop_column('alarms', 'note_key_id', schema=SCHEMA)
