"""alarms leave room in each page, so the status updates from incident events stay on the page (HOT)

Revision ID: c7d2e9f4a1b3
Revises: b1c4d0e5f7a2
Create Date: 2026-11-29 20:45:00
"""
from kentongan.migrations import set_fillfactor

revision = 'c7d2e9f4a1b3'
down_revision = 'b1c4d0e5f7a2'
branch_labels = None
depends_on = None

SCHEMA = "alarm_gateway"

# Every alarm is written twice: inserted, then updated once dispatch opens its incident. In a full page the new
# version goes to another page and both indexes get an entry for it (60% of the updates under load); with room
# left, PostgreSQL keeps it on the same page without touching the indexes, and prunes the old one itself.
FILLFACTOR = 60


def upgrade() -> None:
    set_fillfactor(SCHEMA, "alarms", FILLFACTOR)


def downgrade() -> None:
    set_fillfactor(SCHEMA, "alarms", None)
