"""webhook signing secrets are kept sealed with the notifier keyring: existing ones are sealed in place

Revision ID: 4b7e2a9d1c35
Revises: b4d8e2f6a0c3
Create Date: 2026-12-03 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '4b7e2a9d1c35'
down_revision = 'b4d8e2f6a0c3'
branch_labels = None
depends_on = None

SCHEMA = "notifier"


def upgrade() -> None:
    op.add_column('subscriptions', sa.Column('secret_key_id', sa.String(length=64), nullable=True),
                  schema=SCHEMA)
    op.alter_column('subscriptions', 'secret', type_=sa.String(length=256), schema=SCHEMA)
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT count(*) FROM notifier.subscriptions")).scalar() == 0:
        return  # nothing to seal: the keyring is not needed (a migration job may run without it)
    from kentongan.crypto import Keyring
    from notifier.settings import Settings
    from notifier.subscriptions.secrets import seal_stored_secrets

    seal_stored_secrets(connection, Keyring.from_settings(Settings()))


def downgrade() -> None:
    # Sealed secrets cannot go back to clear without the keyring; deactivate them instead of leaking them.
    op.execute("UPDATE notifier.subscriptions SET active = false WHERE secret_key_id IS NOT NULL")
    op.drop_column('subscriptions', 'secret_key_id', schema=SCHEMA)
    op.alter_column('subscriptions', 'secret', type_=sa.String(length=128), schema=SCHEMA)
