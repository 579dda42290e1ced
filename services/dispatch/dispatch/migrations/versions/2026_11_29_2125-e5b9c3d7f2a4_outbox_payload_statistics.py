"""the outbox's payload columns are left out of ANALYZE

Revision ID: e5b9c3d7f2a4
Revises: d4a8b6c2e9f1
Create Date: 2026-11-29 21:25:00
"""
from alembic import op

revision = 'e5b9c3d7f2a4'
down_revision = 'd4a8b6c2e9f1'
branch_labels = None
depends_on = None

SCHEMA = "dispatch"

# Dispatch keeps its published changes a day (the live stream replays from them), so autovacuum analyzes a
# table that grows with every incident change. Most of that time went to sampling the payload (`value`, bytea)
# and the CloudEvents headers (jsonb), which no query filters or sorts on: they get no statistics.
PAYLOAD = ("value", "headers")


def upgrade() -> None:
    for column in PAYLOAD:
        op.execute(f'ALTER TABLE {SCHEMA}.outbox ALTER COLUMN "{column}" SET STATISTICS 0')


def downgrade() -> None:
    for column in PAYLOAD:
        op.execute(f'ALTER TABLE {SCHEMA}.outbox ALTER COLUMN "{column}" SET STATISTICS -1')
