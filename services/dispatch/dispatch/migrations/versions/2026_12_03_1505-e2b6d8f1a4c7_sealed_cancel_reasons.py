"""incident_alarms keep why a caller called an alarm off sealed: `cancel_reason` moves into
`cancel_reason_sealed` (AES-256-GCM under `cancel_reason_key_id`, bound to the alarm), and the clear column goes.
Existing reasons are sealed with the service's active key (DISPATCH_ENCRYPTION_KEYS must be set for this
migration as for the service).

Revision ID: e2b6d8f1a4c7
Revises: c4e8a2f6d9b3
Create Date: 2026-12-03 15:05:00
"""
import sqlalchemy as sa
from alembic import op

from kentongan.crypto import Keyring, seal_text
from kentongan.events.alarms import cancel_reason_aad

revision = 'e2b6d8f1a4c7'
down_revision = 'c4e8a2f6d9b3'
branch_labels = None
depends_on = None

SCHEMA = "dispatch"


def upgrade() -> None:
    from dispatch.settings import Settings

    op.add_column('incident_alarms', sa.Column('cancel_reason_key_id', sa.String(length=64), nullable=True),
                  schema=SCHEMA)
    op.add_column('incident_alarms', sa.Column('cancel_reason_sealed', sa.LargeBinary(), nullable=True), schema=SCHEMA)
    connection = op.get_bind()
    keyring = Keyring.from_settings(Settings())
    rows = connection.execute(sa.text(f"SELECT alarm_id, cancel_reason FROM {SCHEMA}.incident_alarms "  # noqa: S608
                                      "WHERE cancel_reason IS NOT NULL")).all()
    for row in rows:
        key_id, blob = seal_text(keyring, row.cancel_reason, cancel_reason_aad(row.alarm_id))
        connection.execute(sa.text(f"UPDATE {SCHEMA}.incident_alarms SET cancel_reason_key_id = :kid, "  # noqa: S608
                                   "cancel_reason_sealed = :blob WHERE alarm_id = :id"),
                           {"kid": key_id, "blob": blob, "id": row.alarm_id})
    op.drop_column('incident_alarms', 'cancel_reason', schema=SCHEMA)


def downgrade() -> None:
    # The sealed reasons are not written back in clear: a downgrade keeps the alarms and loses their reasons.
    op.add_column('incident_alarms', sa.Column('cancel_reason', sa.String(length=500), nullable=True), schema=SCHEMA)
    op.drop_column('incident_alarms', 'cancel_reason_sealed', schema=SCHEMA)
    op.drop_column('incident_alarms', 'cancel_reason_key_id', schema=SCHEMA)
