"""incidents keep an alarm count and only their first alarm ids; fallback incidents for unprocessed alarms

Revision ID: f6c1a2b3d4e5
Revises: e5b9c3d7f2a4
Create Date: 2026-12-03 10:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'f6c1a2b3d4e5'
down_revision = 'e5b9c3d7f2a4'
branch_labels = None
depends_on = None

SCHEMA = "dispatch"


def upgrade() -> None:
    op.add_column("incidents", sa.Column("alarm_count", sa.Integer(), nullable=False, server_default="0"),
                  schema=SCHEMA)
    op.add_column("incidents", sa.Column("unprocessed", sa.Boolean(), nullable=False, server_default=sa.false()),
                  schema=SCHEMA)
    op.add_column("incidents", sa.Column("fallback_key", sa.String(200), nullable=True), schema=SCHEMA)
    op.create_index("ux_incidents_fallback_key", "incidents", ["fallback_key"], unique=True, schema=SCHEMA,
                    postgresql_where=sa.text("fallback_key IS NOT NULL"))
    # The full list of an incident's alarms is incident_alarms; the row keeps the count and the first five
    # (kentongan.events.incidents.ALARM_IDS_SHOWN when this revision was written).
    op.execute(sa.text("UPDATE dispatch.incidents SET alarm_count = cardinality(alarm_ids), "
                       "alarm_ids = alarm_ids[1:5] WHERE cardinality(alarm_ids) > 0"))
    op.create_index("ix_incident_alarms_page", "incident_alarms", ["incident_id", "raised_at", "alarm_id"],
                    schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_incident_alarms_page", "incident_alarms", schema=SCHEMA)
    op.drop_index("ux_incidents_fallback_key", "incidents", schema=SCHEMA)
    op.drop_column("incidents", "fallback_key", schema=SCHEMA)
    op.drop_column("incidents", "unprocessed", schema=SCHEMA)
    op.drop_column("incidents", "alarm_count", schema=SCHEMA)
