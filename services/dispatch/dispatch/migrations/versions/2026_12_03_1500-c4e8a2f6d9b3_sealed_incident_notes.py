"""Operators' notes and incidents' outcomes are kept sealed: incident_notes.text moves into text_sealed (bound to
the incident and author) and incidents.outcome into outcome_sealed (bound to the incident), AES-256-GCM under
a key id each (dispatch.incidents.sealing); the clear columns go. Existing values are sealed with the
service's active key (DISPATCH_ENCRYPTION_KEYS must be set for this migration as for the service).

Revision ID: c4e8a2f6d9b3
Revises: a7d3e9f2c1b8
Create Date: 2026-12-03 15:00:00
"""
import sqlalchemy as sa
from alembic import op

from kentongan.crypto import Keyring, seal_text

revision = 'c4e8a2f6d9b3'
down_revision = 'a7d3e9f2c1b8'
branch_labels = None
depends_on = None

SCHEMA = "dispatch"


def upgrade() -> None:
    from dispatch.incidents.sealing import note_aad, outcome_aad
    from dispatch.settings import Settings

    keyring = Keyring.from_settings(Settings())
    connection = op.get_bind()
    op.add_column('incident_notes', sa.Column('text_key_id', sa.String(length=64), nullable=True), schema=SCHEMA)
    op.add_column('incident_notes', sa.Column('text_sealed', sa.LargeBinary(), nullable=True), schema=SCHEMA)
    notes = connection.execute(sa.text(f"SELECT id, incident_id, author, text FROM {SCHEMA}.incident_notes")).all()  # noqa: S608 # constant
    for row in notes:
        key_id, blob = seal_text(keyring, row.text, note_aad(row.incident_id, row.author))
        connection.execute(sa.text(f"UPDATE {SCHEMA}.incident_notes SET text_key_id = :kid, "  # noqa: S608
                                   "text_sealed = :blob WHERE id = :id"), {"kid": key_id, "blob": blob, "id": row.id})
    op.alter_column('incident_notes', 'text_key_id', nullable=False, schema=SCHEMA)
    op.alter_column('incident_notes', 'text_sealed', nullable=False, schema=SCHEMA)
    op.drop_column('incident_notes', 'text', schema=SCHEMA)

    op.add_column('incidents', sa.Column('outcome_key_id', sa.String(length=64), nullable=True), schema=SCHEMA)
    op.add_column('incidents', sa.Column('outcome_sealed', sa.LargeBinary(), nullable=True), schema=SCHEMA)
    outcomes = connection.execute(sa.text(
        f"SELECT id, outcome FROM {SCHEMA}.incidents WHERE outcome IS NOT NULL")).all()  # noqa: S608 # constant
    for row in outcomes:
        key_id, blob = seal_text(keyring, row.outcome, outcome_aad(row.id))
        connection.execute(sa.text(f"UPDATE {SCHEMA}.incidents SET outcome_key_id = :kid, "  # noqa: S608
                                   "outcome_sealed = :blob WHERE id = :id"), {"kid": key_id, "blob": blob, "id": row.id})
    op.drop_column('incidents', 'outcome', schema=SCHEMA)


def downgrade() -> None:
    # The sealed values are not written back in clear: a downgrade keeps the notes and incidents, not their text.
    op.add_column('incidents', sa.Column('outcome', sa.String(length=500), nullable=True), schema=SCHEMA)
    op.drop_column('incidents', 'outcome_sealed', schema=SCHEMA)
    op.drop_column('incidents', 'outcome_key_id', schema=SCHEMA)
    op.add_column('incident_notes', sa.Column('text', sa.Text(), server_default='', nullable=False), schema=SCHEMA)
    op.drop_column('incident_notes', 'text_sealed', schema=SCHEMA)
    op.drop_column('incident_notes', 'text_key_id', schema=SCHEMA)
