"""deliveries carry their incident: operators see who was alerted about it

Revision ID: 5d2e8f1a9c3b
Revises: bcb8473486df
Create Date: 2026-11-29 13:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5d2e8f1a9c3b'
down_revision = 'bcb8473486df'
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    op.add_column('deliveries', sa.Column('incident_id', sa.Uuid(), nullable=True), schema=SCHEMA)
    op.create_index('ix_deliveries_incident', 'deliveries', ['incident_id', 'created_at'], schema=SCHEMA,
                    postgresql_where=sa.text('incident_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_deliveries_incident', table_name='deliveries', schema=SCHEMA)
    op.drop_column('deliveries', 'incident_id', schema=SCHEMA)
