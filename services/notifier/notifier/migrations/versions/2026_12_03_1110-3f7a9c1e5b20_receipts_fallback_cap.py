"""delivery receipts (provider message id, sent/read times), fallback to the next channel, CAP alerts

Revision ID: 3f7a9c1e5b20
Revises: 3e9b7d2c4a61
Create Date: 2026-12-03 11:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '3f7a9c1e5b20'
down_revision = '3e9b7d2c4a61'
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    op.add_column('deliveries', sa.Column('provider_message_id', sa.String(length=128), nullable=True),
                  schema=SCHEMA)
    op.add_column('deliveries', sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True), schema=SCHEMA)
    op.add_column('deliveries', sa.Column('read_at', sa.DateTime(timezone=True), nullable=True), schema=SCHEMA)
    op.add_column('deliveries', sa.Column('fallback_at', sa.DateTime(timezone=True), nullable=True), schema=SCHEMA)
    op.create_index('ix_deliveries_provider_message', 'deliveries', ['channel', 'provider_message_id'],
                    unique=False, schema=SCHEMA, postgresql_where=sa.text('provider_message_id IS NOT NULL'))
    op.create_index('ix_deliveries_fallback', 'deliveries', ['fallback_at'], unique=False, schema=SCHEMA,
                    postgresql_where=sa.text('fallback_at IS NOT NULL'))
    op.create_table(
        'delivery_receipts',
        sa.Column('id', sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('provider_message_id', sa.String(length=128), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('error', sa.String(length=300), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('applied', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column('received_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'provider_message_id', 'status', name='uq_delivery_receipts_status'),
        schema=SCHEMA,
    )
    op.create_index('ix_delivery_receipts_unapplied', 'delivery_receipts', ['channel', 'provider_message_id'],
                    unique=False, schema=SCHEMA, postgresql_where=sa.text('NOT applied'))
    op.create_table(
        'cap_alerts',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('incident_id', sa.Uuid(), nullable=False),
        sa.Column('event_id', sa.String(length=64), nullable=False),
        sa.Column('occasion', sa.String(length=300), nullable=False),
        sa.Column('msg_type', sa.String(length=16), nullable=False),
        sa.Column('references', sa.String(length=2000), nullable=True),
        sa.Column('headline', sa.String(length=300), nullable=False),
        sa.Column('document', sa.Text(), nullable=False),
        sa.Column('sent', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('occasion', name='uq_cap_alerts_occasion'),
        schema=SCHEMA,
    )
    op.create_index('ix_cap_alerts_incident', 'cap_alerts', ['incident_id', 'sent'], unique=False, schema=SCHEMA)
    op.create_index('ix_cap_alerts_sent', 'cap_alerts', ['sent'], unique=False, schema=SCHEMA)


def downgrade() -> None:
    op.drop_table('cap_alerts', schema=SCHEMA)
    op.drop_table('delivery_receipts', schema=SCHEMA)
    op.drop_index('ix_deliveries_fallback', table_name='deliveries', schema=SCHEMA)
    op.drop_index('ix_deliveries_provider_message', table_name='deliveries', schema=SCHEMA)
    for column in ('fallback_at', 'read_at', 'sent_at', 'provider_message_id'):
        op.drop_column('deliveries', column, schema=SCHEMA)
