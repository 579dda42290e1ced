"""deliveries may keep their target sealed (a reporter's phone), with the id of the key that opens it

Revision ID: 8c1f4b2d7e90
Revises: 5d2e8f1a9c3b
Create Date: 2026-11-29 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '8c1f4b2d7e90'
down_revision = '5d2e8f1a9c3b'
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    op.add_column('deliveries', sa.Column('target_key_id', sa.String(length=64), nullable=True), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column('deliveries', 'target_key_id', schema=SCHEMA)
