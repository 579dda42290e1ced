"""attachments and attachment_uploads: evidence added to a case, its bytes sealed in the object store

Revision ID: e4a7c2d9b3f1
Revises: d3f9a1b7c5e2
Create Date: 2026-12-03 16:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'e4a7c2d9b3f1'
down_revision = 'd3f9a1b7c5e2'
branch_labels = None
depends_on = None

SCHEMA = "report_intake"


def upgrade() -> None:
    op.create_table(
        'attachments',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('report_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('media_type', sa.String(length=64), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('object_key', sa.String(length=96), nullable=True),
        sa.Column('thumbnail_key', sa.String(length=96), nullable=True),
        sa.Column('original_key', sa.String(length=96), nullable=True),
        sa.Column('key_id', sa.String(length=64), nullable=True),
        sa.Column('sealed', sa.LargeBinary(), nullable=True),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('deletion_requested_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], [f'{SCHEMA}.reports.id']),
        sa.PrimaryKeyConstraint('id'),
        schema=SCHEMA,
    )
    op.create_index('ix_attachments_report_time', 'attachments', ['report_id', 'created_at', 'id'], schema=SCHEMA)
    op.create_table(
        'attachment_uploads',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('report_id', sa.Uuid(), nullable=False),
        sa.Column('length', sa.BigInteger(), nullable=False),
        sa.Column('offset', sa.BigInteger(), nullable=False),
        sa.Column('parts', sa.Integer(), nullable=False),
        sa.Column('key_prefix', sa.String(length=96), nullable=False),
        sa.Column('keep_original', sa.Boolean(), nullable=False),
        sa.Column('key_id', sa.String(length=64), nullable=True),
        sa.Column('sealed', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], [f'{SCHEMA}.reports.id']),
        sa.PrimaryKeyConstraint('id'),
        schema=SCHEMA,
    )
    op.create_index('ix_attachment_uploads_report_id', 'attachment_uploads', ['report_id'], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index('ix_attachment_uploads_report_id', 'attachment_uploads', schema=SCHEMA)
    op.drop_table('attachment_uploads', schema=SCHEMA)
    op.drop_index('ix_attachments_report_time', 'attachments', schema=SCHEMA)
    op.drop_table('attachments', schema=SCHEMA)
