"""the development inbox keeps nothing identifying in clear: each message's target (a phone, a push token)
and payload move into `sealed` (AES-256-GCM under `key_id`, bound to the delivery), and the target is looked
up by `target_hash` (keyed HMAC-SHA256). Existing messages are sealed with the service's active key
(NOTIFIER_ENCRYPTION_KEYS must be set for this migration as for the service).

Revision ID: e1d60cf6822d
Revises: 3f7a9c1e5b20
Create Date: 2026-12-03 13:45:00
"""
import orjson
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from kentongan.crypto import Keyring, associated_data

revision = 'e1d60cf6822d'
down_revision = '3f7a9c1e5b20'
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    from notifier.channels.dev_inbox import target_digest
    from notifier.settings import Settings

    for name, column in (("target_hash", sa.String(length=64)), ("key_id", sa.String(length=64)),
                         ("sealed", sa.LargeBinary())):
        op.add_column('dev_messages', sa.Column(name, column, nullable=True), schema=SCHEMA)
    connection = op.get_bind()
    keyring = Keyring.from_settings(Settings())
    rows = connection.execute(sa.text(f"SELECT seq, delivery_id, target, payload FROM {SCHEMA}.dev_messages")).all()  # noqa: S608 # constant
    for row in rows:
        sealed = keyring.seal(orjson.dumps({"target": row.target, "payload": row.payload}),
                              associated_data("dev inbox message", row.delivery_id))
        connection.execute(sa.text(f"UPDATE {SCHEMA}.dev_messages SET target_hash = :hash, key_id = :kid, "  # noqa: S608
                                   "sealed = :blob WHERE seq = :seq"),
                           {"hash": target_digest(keyring, row.target), "kid": sealed.key_id, "blob": sealed.blob,
                            "seq": row.seq})
    for name in ("target_hash", "key_id", "sealed"):
        op.alter_column('dev_messages', name, nullable=False, schema=SCHEMA)
    op.create_index('ix_notifier_dev_messages_target_hash', 'dev_messages', ['target_hash'], schema=SCHEMA)
    op.drop_column('dev_messages', 'target', schema=SCHEMA)
    op.drop_column('dev_messages', 'payload', schema=SCHEMA)


def downgrade() -> None:
    # The sealed messages are not written back in clear: a downgrade empties the development inbox.
    op.execute(f"DELETE FROM {SCHEMA}.dev_messages")  # noqa: S608 # constant
    op.add_column('dev_messages', sa.Column('target', sa.String(length=2000), nullable=False), schema=SCHEMA)
    op.add_column('dev_messages', sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
                  schema=SCHEMA)
    op.drop_index('ix_notifier_dev_messages_target_hash', 'dev_messages', schema=SCHEMA)
    for name in ("sealed", "key_id", "target_hash"):
        op.drop_column('dev_messages', name, schema=SCHEMA)
