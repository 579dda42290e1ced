"""initial notifier schema

Revision ID: bcb8473486df
Revises:
Create Date: 2026-11-29 05:43:16.863583
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kentongan.migrations import create_outbox_and_inbox, drop_outbox_and_inbox

revision = 'bcb8473486df'
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    op.create_table('alarm_devices',
    sa.Column('alarm_id', sa.Uuid(), nullable=False),
    sa.Column('device_id', sa.Uuid(), nullable=True),
    sa.Column('push_token', sa.String(length=512), nullable=True),
    sa.Column('milestone', sa.String(length=32), nullable=True),
    sa.Column('silent', sa.Boolean(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('alarm_id', name=op.f('pk_alarm_devices')),
    schema='notifier'
    )
    create_outbox_and_inbox(SCHEMA)
    op.create_table('representatives',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('kecamatan', sa.String(length=64), nullable=False),
    sa.Column('kelurahan', sa.String(length=64), nullable=False),
    sa.Column('rw', sa.String(length=8), nullable=False),
    sa.Column('rt', sa.String(length=8), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('contacts', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_representatives')),
    sa.UniqueConstraint('code', name=op.f('uq_representatives_code')),
    schema='notifier'
    )
    op.create_index('ix_representatives_position', 'representatives', ['lat', 'lon'], unique=False, schema='notifier')
    op.create_index('ix_representatives_rw', 'representatives', ['kecamatan', 'kelurahan', 'rw'], unique=False, schema='notifier')
    op.create_table('subscriptions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('agency', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('event_types', postgresql.ARRAY(sa.String(length=128)), nullable=False),
    sa.Column('secret', sa.String(length=128), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    schema='notifier'
    )
    op.create_index(op.f('ix_notifier_subscriptions_agency'), 'subscriptions', ['agency'], unique=False, schema='notifier')
    op.create_table('deliveries',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('dedup_key', sa.String(length=300), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=128), nullable=False),
    sa.Column('event_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=2000), nullable=False),
    sa.Column('target_host', sa.String(length=300), nullable=False),
    sa.Column('agency', sa.String(length=64), nullable=True),
    sa.Column('subscription_id', sa.Uuid(), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['subscription_id'], ['notifier.subscriptions.id'], name=op.f('fk_deliveries_subscription_id_subscriptions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_deliveries_dedup_key')),
    schema='notifier'
    )
    op.create_index('ix_deliveries_agency', 'deliveries', ['agency', 'created_at'], unique=False, schema='notifier')
    op.create_index('ix_deliveries_due', 'deliveries', ['next_attempt_at'], unique=False, schema='notifier', postgresql_where=sa.text("status IN ('pending', 'retrying')"))
    op.create_index('ix_deliveries_sending', 'deliveries', ['claimed_at'], unique=False, schema='notifier', postgresql_where=sa.text("status = 'sending'"))
    op.create_index(op.f('ix_notifier_deliveries_event_id'), 'deliveries', ['event_id'], unique=False, schema='notifier')
    op.create_table('delivery_attempts',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('delivery_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=1000), nullable=True),
    sa.Column('duration_ms', sa.Double(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['notifier.deliveries.id'], name=op.f('fk_delivery_attempts_delivery_id_deliveries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_attempts')),
    schema='notifier'
    )
    op.create_index(op.f('ix_notifier_delivery_attempts_delivery_id'), 'delivery_attempts', ['delivery_id'], unique=False, schema='notifier')
    op.create_table('dev_messages',
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('delivery_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('target', sa.String(length=2000), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['notifier.deliveries.id'], name=op.f('fk_dev_messages_delivery_id_deliveries')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_dev_messages')),
    sa.UniqueConstraint('delivery_id', name=op.f('uq_dev_messages_delivery_id')),
    schema='notifier'
    )


def downgrade() -> None:
    op.drop_table('dev_messages', schema='notifier')
    op.drop_index(op.f('ix_notifier_delivery_attempts_delivery_id'), table_name='delivery_attempts', schema='notifier')
    op.drop_table('delivery_attempts', schema='notifier')
    op.drop_index(op.f('ix_notifier_deliveries_event_id'), table_name='deliveries', schema='notifier')
    op.drop_index('ix_deliveries_sending', table_name='deliveries', schema='notifier', postgresql_where=sa.text("status = 'sending'"))
    op.drop_index('ix_deliveries_due', table_name='deliveries', schema='notifier', postgresql_where=sa.text("status IN ('pending', 'retrying')"))
    op.drop_index('ix_deliveries_agency', table_name='deliveries', schema='notifier')
    op.drop_table('deliveries', schema='notifier')
    op.drop_index(op.f('ix_notifier_subscriptions_agency'), table_name='subscriptions', schema='notifier')
    op.drop_table('subscriptions', schema='notifier')
    op.drop_index('ix_representatives_rw', table_name='representatives', schema='notifier')
    op.drop_index('ix_representatives_position', table_name='representatives', schema='notifier')
    op.drop_table('representatives', schema='notifier')
    drop_outbox_and_inbox(SCHEMA)
    op.drop_table('alarm_devices', schema='notifier')
