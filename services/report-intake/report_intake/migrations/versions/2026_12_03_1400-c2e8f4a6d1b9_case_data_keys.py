"""case_keys: each case's own data key, wrapped by the keyring (crypto-shredding); erased cases keep a row

Values sealed before this revision keep their keyring key id and still open; new ones are sealed with their
case's data key (`kentongan.datakeys`). An erased case keeps only its statistical row: `sealed` and `key_id`
become nullable on reports and referrals, and reports get `erased_at`.

Revision ID: c2e8f4a6d1b9
Revises: a7c3e5f19b24
Create Date: 2026-12-03 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'c2e8f4a6d1b9'
down_revision = 'a7c3e5f19b24'
branch_labels = None
depends_on = None

SCHEMA = "report_intake"


def upgrade() -> None:
    op.create_table(
        'case_keys',
        sa.Column('report_id', sa.Uuid(), nullable=False),
        sa.Column('key_id', sa.String(length=64), nullable=False),
        sa.Column('wrapped', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('report_id'),
        schema=SCHEMA,
    )
    op.create_index('ix_case_keys_key_id', 'case_keys', ['key_id'], schema=SCHEMA)
    op.add_column('reports', sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True), schema=SCHEMA)
    for table in ('reports', 'referrals'):
        op.alter_column(table, 'key_id', nullable=True, schema=SCHEMA)
        op.alter_column(table, 'sealed', nullable=True, schema=SCHEMA)


def downgrade() -> None:
    op.drop_column('reports', 'erased_at', schema=SCHEMA)
    op.drop_index('ix_case_keys_key_id', 'case_keys', schema=SCHEMA)
    op.drop_table('case_keys', schema=SCHEMA)
