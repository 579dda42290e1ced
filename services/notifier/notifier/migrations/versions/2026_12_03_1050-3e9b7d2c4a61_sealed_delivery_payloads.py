"""deliveries may keep their payload sealed (a partner's webhook carrying a case's notes or the reporter's
contact), with the id of the key that opens it; delivered webhooks' payloads are emptied (they carried that
text in clear until now)

Revision ID: 3e9b7d2c4a61
Revises: 4b7e2a9d1c35
Create Date: 2026-12-03 10:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = '3e9b7d2c4a61'
down_revision = '4b7e2a9d1c35'
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    op.add_column('deliveries', sa.Column('payload_key_id', sa.String(length=64), nullable=True), schema=SCHEMA)
    op.execute("UPDATE notifier.deliveries SET payload = '{}'::jsonb "
               "WHERE purpose = 'partner' AND status = 'delivered'")


def downgrade() -> None:
    op.drop_column('deliveries', 'payload_key_id', schema=SCHEMA)
