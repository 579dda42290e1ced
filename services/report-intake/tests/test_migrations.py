"""The migration that seals referral notes and audit reasons seals what earlier versions stored in clear."""

import asyncio
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


async def test_referral_notes_and_audit_reasons_written_in_clear_are_sealed_by_the_migration(settings):
    name = f"migration_{uuid4().hex[:8]}"
    admin = create_async_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(settings.database_url).set(database=name).render_as_string(hide_password=False)
    try:
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
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
