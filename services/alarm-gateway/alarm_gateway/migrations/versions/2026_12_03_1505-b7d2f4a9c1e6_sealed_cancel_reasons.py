"""Why a caller called an alarm off is kept sealed: `cancel_reason` moves into `cancel_reason_sealed`
(AES-256-GCM under `cancel_reason_key_id`, bound to the alarm), and the clear column goes. Existing reasons are
sealed with the service's active key (ALARM_GATEWAY_ENCRYPTION_KEYS must be set for this migration as for the
service).

Revision ID: b7d2f4a9c1e6
Revises: 26af87ae7d9e
Create Date: 2026-12-03 15:05:00
"""
import sqlalchemy as sa
from alembic import op

from kentongan.crypto import Keyring, seal_text
from kentongan.events.alarms import cancel_reason_aad

revision = 'b7d2f4a9c1e6'
down_revision = '26af87ae7d9e'
branch_labels = None
depends_on = None

SCHEMA = "alarm_gateway"


def upgrade() -> None:
    from alarm_gateway.settings import Settings

    op.add_column('alarms', sa.Column('cancel_reason_key_id', sa.String(length=64), nullable=True), schema=SCHEMA)
    op.add_column('alarms', sa.Column('cancel_reason_sealed', sa.LargeBinary(), nullable=True), schema=SCHEMA)
    connection = op.get_bind()
    keyring = Keyring.from_settings(Settings())
    rows = connection.execute(sa.text(
        f"SELECT id, cancel_reason FROM {SCHEMA}.alarms WHERE cancel_reason IS NOT NULL")).all()  # noqa: S608 # constant
    for row in rows:
        key_id, blob = seal_text(keyring, row.cancel_reason, cancel_reason_aad(row.id))
        connection.execute(sa.text(f"UPDATE {SCHEMA}.alarms SET cancel_reason_key_id = :kid, "  # noqa: S608
                                   "cancel_reason_sealed = :blob WHERE id = :id"),
                           {"kid": key_id, "blob": blob, "id": row.id})
    op.drop_column('alarms', 'cancel_reason', schema=SCHEMA)


def downgrade() -> None:
    # The sealed reasons are not written back in clear: a downgrade keeps the alarms and loses their reasons.
    op.add_column('alarms', sa.Column('cancel_reason', sa.String(length=500), nullable=True), schema=SCHEMA)
    op.drop_column('alarms', 'cancel_reason_sealed', schema=SCHEMA)
    op.drop_column('alarms', 'cancel_reason_key_id', schema=SCHEMA)
