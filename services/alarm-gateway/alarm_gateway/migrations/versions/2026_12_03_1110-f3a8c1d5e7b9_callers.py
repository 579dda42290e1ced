"""callers: device profiles (sealed), PINs, offline presses, duress, inbound SMS

Revision ID: f3a8c1d5e7b9
Revises: e3f1a9c4b7d2
Create Date: 2026-12-03 11:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'f3a8c1d5e7b9'
down_revision = 'e3f1a9c4b7d2'
branch_labels = None
depends_on = None

SCHEMA = "alarm_gateway"


def upgrade() -> None:
    op.add_column('devices', sa.Column('cancel_pin_hash', sa.String(length=200), nullable=True), schema=SCHEMA)
    op.add_column('devices', sa.Column('duress_pin_hash', sa.String(length=200), nullable=True), schema=SCHEMA)
    op.add_column('alarms', sa.Column('pressed_at', sa.DateTime(timezone=True), nullable=True), schema=SCHEMA)
    op.add_column('alarms', sa.Column('battery_pct', sa.SmallInteger(), nullable=True), schema=SCHEMA)
    op.add_column('alarms', sa.Column('delayed', sa.Boolean(), server_default='false', nullable=False),
                  schema=SCHEMA)
    op.add_column('alarms', sa.Column('source', sa.String(length=8), server_default='app', nullable=False),
                  schema=SCHEMA)
    op.add_column('alarms', sa.Column('wrong_pins', sa.Integer(), server_default='0', nullable=False),
                  schema=SCHEMA)
    op.add_column('alarms', sa.Column('duress_at', sa.DateTime(timezone=True), nullable=True), schema=SCHEMA)
    op.create_table(
        'device_profiles',
        sa.Column('device_id', sa.Uuid(), sa.ForeignKey(f'{SCHEMA}.devices.id'), primary_key=True),
        sa.Column('key_id', sa.String(length=64), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('phone_hash', sa.LargeBinary(length=32), nullable=False),
        sa.Column('phone_verified_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('code_hash', sa.LargeBinary(length=32), nullable=True),
        sa.Column('code_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('wrong_codes', sa.Integer(), server_default='0', nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema=SCHEMA,
    )
    op.create_index('ix_device_profiles_phone_hash', 'device_profiles', ['phone_hash'], schema=SCHEMA)
    op.create_table(
        'inbound_sms',
        sa.Column('webhook_id', sa.String(length=200), primary_key=True),
        sa.Column('outcome', sa.String(length=32), nullable=False),
        sa.Column('alarm_id', sa.Uuid(), nullable=True),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table('inbound_sms', schema=SCHEMA)
    op.drop_index('ix_device_profiles_phone_hash', table_name='device_profiles', schema=SCHEMA)
    op.drop_table('device_profiles', schema=SCHEMA)
    for column in ('duress_at', 'wrong_pins', 'source', 'delayed', 'battery_pct', 'pressed_at'):
        op.drop_column('alarms', column, schema=SCHEMA)
    for column in ('duress_pin_hash', 'cancel_pin_hash'):
        op.drop_column('devices', column, schema=SCHEMA)
