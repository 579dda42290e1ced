"""Partners' webhook signing secrets are kept sealed: the database never holds one in clear, a secret stored
in clear before sealing existed is sealed in place, and deliveries are still signed with the right secret."""

from uuid import uuid4

import pytest
from sqlalchemy import text

from kentongan.crypto import Keyring
from notifier.main import create_app
from notifier.settings import Settings
from notifier.subscriptions.secrets import new_secret, open_secret, seal_stored_secrets


@pytest.fixture(scope="module")
async def notifier(serve):
    async with serve(create_app(Settings())) as client:
        yield client


@pytest.fixture(scope="module")
def keyring() -> Keyring:
    return Keyring.from_settings(Settings())


async def _row_text(database, subscription_id) -> str:
    async with database.connect() as conn:
        row = (await conn.execute(text("SELECT * FROM notifier.subscriptions WHERE id = :id"),
                                  {"id": subscription_id})).mappings().one()
    return " ".join(str(value) for value in row.values())


@pytest.fixture(scope="module")
async def database(stack, settings):
    from kentongan.db import create_engine

    engine = create_engine(settings.database_url, pool_size=1)
    yield engine
    await engine.dispose()


async def test_a_new_subscriptions_secret_is_shown_once_and_stored_sealed(notifier, partner_headers,
                                                                          database):
    agency = f"sealed-{uuid4().hex[:8]}"  # an agency of its own: no other test's referral reaches it
    body = {"url": "https://93.184.216.34/hooks/x", "event_types": ["kentongan.referral.created"]}
    created = await notifier.post("/v1/subscriptions", json=body, headers=partner_headers(agency))
    assert created.status_code == 201, created.text
    secret = created.json()["secret"]
    assert secret.startswith("whsec_")
    stored = await _row_text(database, created.json()["id"])
    assert secret not in stored and secret.removeprefix("whsec_") not in stored
    await notifier.delete(f"/v1/subscriptions/{created.json()['id']}", headers=partner_headers(agency))


async def test_a_secret_stored_in_clear_is_sealed_in_place(database, keyring):
    subscription_id, secret = uuid4(), new_secret()
    async with database.begin() as conn:
        await conn.execute(text(
            "INSERT INTO notifier.subscriptions (id, agency, url, event_types, secret, active) "
            "VALUES (:id, 'sealed-legacy', 'https://93.184.216.34/x', ARRAY['kentongan.referral.created'], "
            ":secret, false)"),
            {"id": subscription_id, "secret": secret})
        assert await conn.run_sync(lambda sync: seal_stored_secrets(sync, keyring)) >= 1
        row = (await conn.execute(text("SELECT secret, secret_key_id FROM notifier.subscriptions "
                                       "WHERE id = :id"), {"id": subscription_id})).one()
    assert secret not in await _row_text(database, subscription_id)
    assert open_secret(keyring, subscription_id, row.secret, row.secret_key_id) == secret
