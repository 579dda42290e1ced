"""initial incidents and units schema

Revision ID: 43ad7c22f4c2
Revises:
Create Date: 2026-11-29 05:36:48.594627
"""
import sqlalchemy as sa
from alembic import op

from kentongan.migrations import create_outbox_and_inbox, drop_outbox_and_inbox

revision = '43ad7c22f4c2'
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "dispatch"


def upgrade() -> None:
    op.create_table('incidents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('report_id', sa.Uuid(), nullable=True),
    sa.Column('silent', sa.Boolean(), nullable=False),
    sa.Column('alarm_ids', sa.ARRAY(sa.Uuid()), nullable=False),
    sa.Column('unit_id', sa.String(length=64), nullable=True),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=500), nullable=True),
    sa.Column('acknowledged_by', sa.String(length=128), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_alarm_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incidents')),
    schema='dispatch'
    )
    op.create_index(op.f('ix_dispatch_incidents_area'), 'incidents', ['area'], unique=False, schema='dispatch')
    op.create_index(op.f('ix_dispatch_incidents_status'), 'incidents', ['status'], unique=False, schema='dispatch')
    op.create_index('ix_incidents_active_place', 'incidents', ['lat', 'lon'], unique=False, schema='dispatch', postgresql_where=sa.text("status NOT IN ('resolved', 'cancelled')"))
    op.create_index('ix_incidents_queue', 'incidents', ['priority', 'opened_at'], unique=False, schema='dispatch')
    create_outbox_and_inbox(SCHEMA)
    op.create_table('units',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_units')),
    schema='dispatch'
    )
    op.create_index(op.f('ix_dispatch_units_status'), 'units', ['status'], unique=False, schema='dispatch')
    op.create_table('incident_alarms',
    sa.Column('alarm_id', sa.Uuid(), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('silent', sa.Boolean(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['incident_id'], ['dispatch.incidents.id'], name=op.f('fk_incident_alarms_incident_id_incidents')),
    sa.PrimaryKeyConstraint('alarm_id', name=op.f('pk_incident_alarms')),
    schema='dispatch'
    )
    op.create_index(op.f('ix_dispatch_incident_alarms_incident_id'), 'incident_alarms', ['incident_id'], unique=False, schema='dispatch')
    op.create_table('incident_locations',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('alarm_id', sa.Uuid(), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['dispatch.incidents.id'], name=op.f('fk_incident_locations_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_locations')),
    schema='dispatch'
    )
    op.create_index('ix_incident_locations_trail', 'incident_locations', ['incident_id', 'recorded_at'], unique=False, schema='dispatch')
    op.create_table('incident_notes',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('author', sa.String(length=128), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['dispatch.incidents.id'], name=op.f('fk_incident_notes_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_notes')),
    schema='dispatch'
    )
    op.create_index(op.f('ix_dispatch_incident_notes_incident_id'), 'incident_notes', ['incident_id'], unique=False, schema='dispatch')
    op.create_table('incident_snapshots',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('incident_id', sa.Uuid(), nullable=False),
    sa.Column('camera_id', sa.String(length=64), nullable=False),
    sa.Column('blob_ref', sa.String(length=500), nullable=False),
    sa.Column('snapshot_url', sa.String(length=1000), nullable=True),
    sa.Column('distance_m', sa.Float(), nullable=True),
    sa.Column('motion_score', sa.Float(), nullable=True),
    sa.Column('captured_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['dispatch.incidents.id'], name=op.f('fk_incident_snapshots_incident_id_incidents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_snapshots')),
    sa.UniqueConstraint('incident_id', 'camera_id', 'blob_ref', name=op.f('uq_incident_snapshots_incident_id')),
    schema='dispatch'
    )
    op.create_index(op.f('ix_dispatch_incident_snapshots_incident_id'), 'incident_snapshots', ['incident_id'], unique=False, schema='dispatch')


def downgrade() -> None:
    op.drop_index(op.f('ix_dispatch_incident_snapshots_incident_id'), table_name='incident_snapshots', schema='dispatch')
    op.drop_table('incident_snapshots', schema='dispatch')
    op.drop_index(op.f('ix_dispatch_incident_notes_incident_id'), table_name='incident_notes', schema='dispatch')
    op.drop_table('incident_notes', schema='dispatch')
    op.drop_index('ix_incident_locations_trail', table_name='incident_locations', schema='dispatch')
    op.drop_table('incident_locations', schema='dispatch')
    op.drop_index(op.f('ix_dispatch_incident_alarms_incident_id'), table_name='incident_alarms', schema='dispatch')
    op.drop_table('incident_alarms', schema='dispatch')
    op.drop_index(op.f('ix_dispatch_units_status'), table_name='units', schema='dispatch')
    op.drop_table('units', schema='dispatch')
    drop_outbox_and_inbox(SCHEMA)
