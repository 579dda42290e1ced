"""incidents leave room in each page, so merges and status changes stay on the page (HOT)

Revision ID: d4a8b6c2e9f1
Revises: 43ad7c22f4c2
Create Date: 2026-11-29 20:45:00
"""
from kentongan.migrations import set_fillfactor

revision = 'd4a8b6c2e9f1'
down_revision = '43ad7c22f4c2'
branch_labels = None
depends_on = None

SCHEMA = "dispatch"

# An incident is updated again and again (alarms merging in, acknowledgement, assignment, escalation). In a full
# page each new version moves to another page and all five indexes get an entry for it (70% of the merges
# under load); with room left, an update that changes no indexed column stays on its page and leaves the
# indexes alone.
FILLFACTOR = 70


def upgrade() -> None:
    set_fillfactor(SCHEMA, "incidents", FILLFACTOR)


def downgrade() -> None:
    set_fillfactor(SCHEMA, "incidents", None)
