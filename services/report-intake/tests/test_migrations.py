"""The migration that seals referral notes and audit reasons seals what earlier versions stored in clear."""

import asyncio
from contextlib import asynccontextmanager
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from kentongan.crypto import Keyring, Sealed
from kentongan.migrations import upgrade
from report_intake.audit.service import reason_aad
from report_intake.crypto import open_json
from report_intake.main import SPEC
from report_intake.settings import Settings

BEFORE_SEALING = "6d82b6398e45"


@asynccontextmanager
async def scratch_database(settings):
    """A database of its own, migrated by the test to the revision it needs, dropped afterwards."""
    name = f"migration_{uuid4().hex[:8]}"
    admin = create_async_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(settings.database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def test_referral_notes_and_audit_reasons_written_in_clear_are_sealed_by_the_migration(settings):
    async with scratch_database(settings) as url:
        await asyncio.to_thread(upgrade, SPEC, url, BEFORE_SEALING)
        report_id, referral_id = uuid4(), uuid4()
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO report_intake.reports (id, case_token_hash, category, status, anonymous,"
                " immediate_danger, victim_age_group, consent_share, consent_contact, triaged_agencies, key_id,"
                " sealed) VALUES (:id, :h, 'bullying', 'referred', true, false, 'child', true, false, '[]',"
                " 'dev-only', :h)"), {"id": report_id, "h": b"\0" * 32})
            await conn.execute(text(
                "INSERT INTO report_intake.referrals (id, report_id, agency, status, decline_reason, outcome,"
                " consent_override_reason, timeline, version) VALUES (:id, :report, 'disdik', 'declined',"
                " 'di luar wilayah', NULL, 'anak dalam bahaya', CAST(:timeline AS jsonb), 2)"),
                {"id": referral_id, "report": report_id,
                 "timeline": '[{"status": "declined", "by": "disdik/c", "reason": "di luar wilayah"}]'})
            await conn.execute(text(
                "INSERT INTO report_intake.audit_log (actor_kind, actor, action, resource_type, resource_id, reason)"
                " VALUES ('staff', 'spv', 'report.detail.read', 'report', :id, 'korban Siti menelepon')"),
                {"id": str(report_id)})
        await asyncio.to_thread(upgrade, SPEC, url, "head")

        async with engine.connect() as conn:
            referral = (await conn.execute(text("SELECT * FROM report_intake.referrals"))).mappings().one()
            audit = (await conn.execute(text("SELECT * FROM report_intake.audit_log"))).mappings().one()
        await engine.dispose()
        keyring = Keyring.from_settings(Settings())
        assert "decline_reason" not in referral and "reason" not in audit  # the clear columns are gone
        assert open_json(keyring, referral["key_id"], referral["sealed"], referral_id.bytes) == {
            "decline_reason": "di luar wilayah", "outcome": None, "consent_override_reason": "anak dalam bahaya",
            "timeline": [{"status": "declined", "by": "disdik/c", "reason": "di luar wilayah"}]}
        opened = keyring.open(Sealed(audit["reason_key_id"], audit["reason_sealed"]),
                              reason_aad("report.detail.read", str(report_id)))
        assert opened == b"korban Siti menelepon"


async def test_cases_sealed_with_the_keyring_get_their_own_data_key_and_back(settings):
    from alembic import command

    from kentongan.datakeys import DATA_KEY_ID, DataKeyring, WrappedKey, unwrap
    from kentongan.migrations import alembic_config
    from report_intake.cases.keys import owner
    from report_intake.crypto import seal_json
    from report_intake.messages.service import bound_to

    keyring = Keyring.from_settings(Settings())
    report_id, referral_id, message_id = uuid4(), uuid4(), uuid4()
    story = {"narrative": "cerita lama"}
    async with scratch_database(settings) as url:
        await asyncio.to_thread(upgrade, SPEC, url, "c2e8f4a6d1b9")  # case keys exist, old cases have none
        report = seal_json(keyring, story, report_id.bytes)
        referral = seal_json(keyring, {"timeline": []}, referral_id.bytes)
        message = keyring.seal(b'{"body": "halo"}', bound_to(message_id, report_id, "reporter"))
        engine = create_async_engine(url)
        async with engine.begin() as conn:
            await conn.execute(text(
                "INSERT INTO report_intake.reports (id, case_token_hash, category, status, anonymous,"
                " immediate_danger, victim_age_group, consent_share, consent_contact, triaged_agencies, key_id,"
                " sealed) VALUES (:id, :h, 'bullying', 'referred', true, false, 'child', true, false, '[]',"
                " :kid, :blob)"), {"id": report_id, "h": b"\0" * 32, "kid": report.key_id, "blob": report.blob})
            await conn.execute(text(
                "INSERT INTO report_intake.referrals (id, report_id, agency, status, version, key_id, sealed)"
                " VALUES (:id, :report, 'disdik', 'created', 1, :kid, :blob)"),
                {"id": referral_id, "report": report_id, "kid": referral.key_id, "blob": referral.blob})
            await conn.execute(text(
                "INSERT INTO report_intake.messages (id, report_id, author, key_id, sealed) VALUES"
                " (:id, :report, 'reporter', :kid, :blob)"),
                {"id": message_id, "report": report_id, "kid": message.key_id, "blob": message.blob})

        async def rows():
            async with engine.connect() as conn:
                return [tuple(row) for table, row_id in (("reports", report_id), ("referrals", referral_id),
                                                        ("messages", message_id))
                        for row in await conn.execute(text(f"SELECT key_id, sealed FROM report_intake.{table} "  # noqa: S608
                                                           "WHERE id = :id"), {"id": row_id})]

        await asyncio.to_thread(upgrade, SPEC, url, "head")
        async with engine.connect() as conn:
            wrapped = (await conn.execute(text("SELECT key_id, wrapped FROM report_intake.case_keys"))).one()
        case = DataKeyring(unwrap(keyring, WrappedKey(*wrapped), owner(report_id)), keyring)
        sealed = await rows()
        assert [key_id for key_id, _ in sealed] == [DATA_KEY_ID] * 3
        assert case.open(Sealed(*sealed[0]), report_id.bytes) == b'{"narrative":"cerita lama"}'
        assert case.open(Sealed(*sealed[2]), bound_to(message_id, report_id, "reporter")) == b'{"body": "halo"}'

        await asyncio.to_thread(command.downgrade, alembic_config(SPEC, url), "c2e8f4a6d1b9")
        back = await rows()
        assert [key_id for key_id, _ in back] == ["dev-only"] * 3
        assert open_json(keyring, *back[1], referral_id.bytes) == {"timeline": []}
        await engine.dispose()
