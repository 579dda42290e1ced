"""awaiting_placement: each urgent report's event, kept until dispatch's incident for it is seen

Revision ID: a8d3c5e1f2b4
Revises: 6d82b6398e45
Create Date: 2026-12-03 11:00:00
"""
from kentongan.migrations import create_awaiting_placement, drop_awaiting_placement

revision = 'a8d3c5e1f2b4'
down_revision = '6d82b6398e45'
branch_labels = None
depends_on = None

SCHEMA = "report_intake"


def upgrade() -> None:
    create_awaiting_placement(SCHEMA)


def downgrade() -> None:
    drop_awaiting_placement(SCHEMA)
