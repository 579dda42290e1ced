"""initial cctv schema

Revision ID: cd27a077c472
Revises:
Create Date: 2026-11-29 05:45:29.143667
"""
import sqlalchemy as sa
from alembic import op

from kentongan.migrations import create_outbox_and_inbox, drop_outbox_and_inbox

revision = 'cd27a077c472'
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "cctv_ingest"


def upgrade() -> None:
    op.create_table('cameras',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('kecamatan', sa.String(length=100), nullable=False),
    sa.Column('kelurahan', sa.String(length=100), nullable=True),
    sa.Column('rt', sa.String(length=20), nullable=True),
    sa.Column('stream_url', sa.String(length=1000), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cameras')),
    schema='cctv_ingest'
    )
    op.create_index('ix_cameras_kecamatan', 'cameras', ['kecamatan'], unique=False, schema='cctv_ingest')
    op.create_index('ix_cameras_lat_lon', 'cameras', ['lat', 'lon'], unique=False, schema='cctv_ingest')
    create_outbox_and_inbox(SCHEMA)
    op.create_table('incident_focus',
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('incident_id', name=op.f('pk_incident_focus')),
    schema='cctv_ingest'
    )
    op.create_table('workers',
    sa.Column('id', sa.String(length=100), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workers')),
    schema='cctv_ingest'
    )
    op.create_table('camera_health',
    sa.Column('camera_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('last_frame_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('codec', sa.String(length=32), nullable=True),
    sa.Column('fps', sa.Float(), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('snapshot_ref', sa.String(length=500), nullable=True),
    sa.Column('motion_score', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['camera_id'], ['cctv_ingest.cameras.id'], name=op.f('fk_camera_health_camera_id_cameras'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('camera_id', name=op.f('pk_camera_health')),
    schema='cctv_ingest'
    )


def downgrade() -> None:
    op.drop_table('camera_health', schema='cctv_ingest')
    op.drop_table('workers', schema='cctv_ingest')
    op.drop_table('incident_focus', schema='cctv_ingest')
    drop_outbox_and_inbox(SCHEMA)
    op.drop_index('ix_cameras_lat_lon', table_name='cameras', schema='cctv_ingest')
    op.drop_index('ix_cameras_kecamatan', table_name='cameras', schema='cctv_ingest')
    op.drop_table('cameras', schema='cctv_ingest')
