"""snapshot images: each incident snapshot in the blob store, for the retention run to delete file and row

Revision ID: b4e1c7d2a9f3
Revises: cd27a077c472
Create Date: 2026-12-03 16:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'b4e1c7d2a9f3'
down_revision = 'cd27a077c472'
branch_labels = None
depends_on = None

SCHEMA = "cctv_ingest"


def upgrade() -> None:
    op.create_table(
        "snapshot_images",
        sa.Column("blob_ref", sa.String(500), primary_key=True),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_snapshot_images_incident_id", "snapshot_images", ["incident_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_snapshot_images_incident_id", table_name="snapshot_images", schema=SCHEMA)
    op.drop_table("snapshot_images", schema=SCHEMA)
