"""incident_deliveries: how notifier's alerts about each incident went (deliveries.v1)

Revision ID: a7d3e9f2c1b8
Revises: 5e9dfe5ff762
Create Date: 2026-12-03 13:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a7d3e9f2c1b8'
down_revision = '5e9dfe5ff762'
branch_labels = None
depends_on = None

SCHEMA = "dispatch"


def upgrade() -> None:
    op.create_table(
        "incident_deliveries",
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("recipient", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("delivery_id"),
        schema=SCHEMA,
    )
    op.create_index("ix_dispatch_incident_deliveries_incident_id", "incident_deliveries", ["incident_id"],
                    unique=False, schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("incident_deliveries", schema=SCHEMA)
