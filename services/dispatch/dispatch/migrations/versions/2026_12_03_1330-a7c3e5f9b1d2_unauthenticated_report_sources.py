"""incidents of unauthenticated reports: the flag, the source's keyed hash, and every report an incident took

Revision ID: a7c3e5f9b1d2
Revises: a7c3e9b1d5f2
Create Date: 2026-12-03 13:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'a7c3e5f9b1d2'
down_revision = 'a7c3e9b1d5f2'
branch_labels = None
depends_on = None

SCHEMA = "dispatch"


def upgrade() -> None:
    op.add_column("incidents", sa.Column("unauthenticated", sa.Boolean(), server_default=sa.text("false"),
                                         nullable=False), schema=SCHEMA)
    op.add_column("incidents", sa.Column("source_fingerprint", sa.String(64), nullable=True), schema=SCHEMA)
    op.create_index("ix_incidents_active_source", "incidents", ["source_fingerprint"], schema=SCHEMA,
                    postgresql_where=sa.text("source_fingerprint IS NOT NULL "
                                             "AND status NOT IN ('resolved', 'cancelled')"))
    op.create_table(
        "incident_reports",
        sa.Column("report_id", sa.Uuid(), primary_key=True),
        sa.Column("incident_id", sa.Uuid(), sa.ForeignKey(f"{SCHEMA}.incidents.id"), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_dispatch_incident_reports_incident_id", "incident_reports", ["incident_id"],
                    schema=SCHEMA)
    # Every incident opened by a report so far, so a redelivered report is recognised whichever way it came.
    # Their reports all came without authentication (the public report API is the only one).
    # (The f-strings hold only the constant schema name.)
    op.execute(f"INSERT INTO {SCHEMA}.incident_reports (report_id, incident_id, reported_at) "  # noqa: S608
               f"SELECT report_id, id, opened_at FROM {SCHEMA}.incidents WHERE report_id IS NOT NULL")
    op.execute(f"UPDATE {SCHEMA}.incidents SET unauthenticated = true WHERE source = 'report'")  # noqa: S608


def downgrade() -> None:
    op.drop_table("incident_reports", schema=SCHEMA)
    op.drop_index("ix_incidents_active_source", "incidents", schema=SCHEMA)
    op.drop_column("incidents", "source_fingerprint", schema=SCHEMA)
    op.drop_column("incidents", "unauthenticated", schema=SCHEMA)
