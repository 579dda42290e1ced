"""live sessions audit and the workers' live URL

Revision ID: 5a1e7c2b9d40
Revises: b4e1c7d2a9f3
Create Date: 2026-12-03 17:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '5a1e7c2b9d40'
down_revision = 'b4e1c7d2a9f3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('live_sessions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('camera_id', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('mode', sa.String(length=8), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_sessions')),
    schema='cctv_ingest'
    )
    op.create_index('ix_live_sessions_camera_issued', 'live_sessions', ['camera_id', 'issued_at'], unique=False,
                    schema='cctv_ingest')
    op.add_column('workers', sa.Column('live_url', sa.String(length=300), nullable=True), schema='cctv_ingest')


def downgrade() -> None:
    op.drop_column('workers', 'live_url', schema='cctv_ingest')
    op.drop_index('ix_live_sessions_camera_issued', table_name='live_sessions', schema='cctv_ingest')
    op.drop_table('live_sessions', schema='cctv_ingest')
