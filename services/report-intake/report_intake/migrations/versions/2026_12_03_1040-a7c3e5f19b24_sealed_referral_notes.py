"""referrals keep what agencies and supervisors wrote about a case sealed: the timeline's notes, the decline
reason, the outcome and the reason for a release without consent move into `sealed` (AES-256-GCM under
`key_id`, bound to the row id), and their clear columns go; the audit log's reasons are sealed likewise.
Existing rows are sealed with the service's active key (REPORT_INTAKE_ENCRYPTION_KEYS must be set for this
migration as for the service). Published outbox rows of events that carried such text in clear are deleted
(a pending one is still sent).

Revision ID: a7c3e5f19b24
Revises: a8d3c5e1f2b4
Create Date: 2026-12-03 10:40:00
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kentongan.crypto import Keyring

revision = 'a7c3e5f19b24'
down_revision = 'a8d3c5e1f2b4'
branch_labels = None
depends_on = None

SCHEMA = "report_intake"
CLEAR_COLUMNS = ("decline_reason", "outcome", "consent_override_reason", "timeline")
# Events whose outbox rows carried victim free text or the reporter's contact in clear.
CLEAR_TEXT_EVENTS = ("kentongan.referral.created", "kentongan.referral.declined", "kentongan.referral.in_progress",
                     "kentongan.referral.closed", "kentongan.report.reporter_update")


def upgrade() -> None:
    from report_intake.crypto import seal_json
    from report_intake.settings import Settings

    op.add_column('referrals', sa.Column('key_id', sa.String(length=64), nullable=True), schema=SCHEMA)
    op.add_column('referrals', sa.Column('sealed', sa.LargeBinary(), nullable=True), schema=SCHEMA)
    connection = op.get_bind()
    keyring = Keyring.from_settings(Settings())
    rows = connection.execute(sa.text(
        f"SELECT id, {', '.join(CLEAR_COLUMNS)} FROM {SCHEMA}.referrals")).mappings().all()  # noqa: S608 # constants
    for row in rows:
        sealed = seal_json(keyring, {name: row[name] for name in CLEAR_COLUMNS}, row["id"].bytes)
        connection.execute(sa.text(f"UPDATE {SCHEMA}.referrals SET key_id = :kid, sealed = :blob WHERE id = :id"),  # noqa: S608
                           {"kid": sealed.key_id, "blob": sealed.blob, "id": row["id"]})
    op.alter_column('referrals', 'key_id', nullable=False, schema=SCHEMA)
    op.alter_column('referrals', 'sealed', nullable=False, schema=SCHEMA)
    for name in CLEAR_COLUMNS:
        op.drop_column('referrals', name, schema=SCHEMA)
    _seal_audit_reasons(connection, keyring)
    connection.execute(sa.text(f"DELETE FROM {SCHEMA}.outbox WHERE published_at IS NOT NULL "  # noqa: S608
                               "AND event_type = ANY(:types)"), {"types": list(CLEAR_TEXT_EVENTS)})


def _seal_audit_reasons(connection, keyring: Keyring) -> None:
    from report_intake.audit.service import reason_aad

    op.add_column('audit_log', sa.Column('reason_key_id', sa.String(length=64), nullable=True), schema=SCHEMA)
    op.add_column('audit_log', sa.Column('reason_sealed', sa.LargeBinary(), nullable=True), schema=SCHEMA)
    rows = connection.execute(sa.text(
        f"SELECT id, action, resource_id, reason FROM {SCHEMA}.audit_log WHERE reason IS NOT NULL")).all()  # noqa: S608
    for row in rows:
        sealed = keyring.seal(row.reason.encode(), reason_aad(row.action, row.resource_id))
        connection.execute(sa.text(f"UPDATE {SCHEMA}.audit_log SET reason_key_id = :kid, reason_sealed = :blob "  # noqa: S608
                                   "WHERE id = :id"), {"kid": sealed.key_id, "blob": sealed.blob, "id": row.id})
    op.drop_column('audit_log', 'reason', schema=SCHEMA)


def downgrade() -> None:
    op.add_column('audit_log', sa.Column('reason', sa.String(length=500), nullable=True), schema=SCHEMA)
    op.drop_column('audit_log', 'reason_sealed', schema=SCHEMA)
    op.drop_column('audit_log', 'reason_key_id', schema=SCHEMA)
    # The sealed text is not written back in clear: a downgrade keeps the statuses and loses the notes.
    op.add_column('referrals', sa.Column('decline_reason', sa.String(length=1000), nullable=True), schema=SCHEMA)
    op.add_column('referrals', sa.Column('outcome', sa.String(length=2000), nullable=True), schema=SCHEMA)
    op.add_column('referrals', sa.Column('consent_override_reason', sa.String(length=1000), nullable=True),
                  schema=SCHEMA)
    op.add_column('referrals', sa.Column('timeline', postgresql.JSONB(astext_type=sa.Text()),
                                         server_default=sa.text("'[]'::jsonb"), nullable=False), schema=SCHEMA)
    op.drop_column('referrals', 'sealed', schema=SCHEMA)
    op.drop_column('referrals', 'key_id', schema=SCHEMA)
