"""incident_alarms keep the caller's note sealed: `note` moves into `note_sealed` (AES-256-GCM under
`note_key_id`, bound to the alarm), and the clear column goes. Existing notes are sealed with the service's
active key (DISPATCH_ENCRYPTION_KEYS must be set for this migration as for the service).

Revision ID: 5e9dfe5ff762
Revises: a7c3e5f9b1d2
Create Date: 2026-12-03 13:40:00
"""
import sqlalchemy as sa
from alembic import op

from kentongan.crypto import Keyring, seal_text
from kentongan.events.alarms import note_aad

revision = '5e9dfe5ff762'
down_revision = 'a7c3e5f9b1d2'
branch_labels = None
depends_on = None

SCHEMA = "dispatch"


def upgrade() -> None:
    from dispatch.settings import Settings

    op.add_column('incident_alarms', sa.Column('note_key_id', sa.String(length=64), nullable=True), schema=SCHEMA)
    op.add_column('incident_alarms', sa.Column('note_sealed', sa.LargeBinary(), nullable=True), schema=SCHEMA)
    connection = op.get_bind()
    keyring = Keyring.from_settings(Settings())
    rows = connection.execute(sa.text(
        f"SELECT alarm_id, note FROM {SCHEMA}.incident_alarms WHERE note IS NOT NULL")).all()  # noqa: S608 # constant
    for row in rows:
        key_id, blob = seal_text(keyring, row.note, note_aad(row.alarm_id))
        connection.execute(sa.text(f"UPDATE {SCHEMA}.incident_alarms SET note_key_id = :kid, "  # noqa: S608
                                   "note_sealed = :blob WHERE alarm_id = :id"),
                           {"kid": key_id, "blob": blob, "id": row.alarm_id})
    op.drop_column('incident_alarms', 'note', schema=SCHEMA)


def downgrade() -> None:
    # The sealed notes are not written back in clear: a downgrade keeps the alarms and loses their notes.
    op.add_column('incident_alarms', sa.Column('note', sa.String(length=500), nullable=True), schema=SCHEMA)
    op.drop_column('incident_alarms', 'note_sealed', schema=SCHEMA)
    op.drop_column('incident_alarms', 'note_key_id', schema=SCHEMA)
