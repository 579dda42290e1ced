"""Retention of cases: a case quiet for longer than KENTONGAN_RETENTION_CASE_DAYS is crypto-shredded down to its
statistical row; a younger one, or an old one an agency still works on, is untouched."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from kentongan.db import create_engine
from kentongan.retention import RetentionSettings, apply, rules_for


async def _case(intake, submit, report_body, partner_headers, referral_id_for, step: str):
    report_id, token = await submit(report_body())
    await intake.post(f"/v1/reports/{report_id}/messages", json={"body": "halo"}, headers={"X-Case-Token": token})
    referral_id = await referral_id_for("disdik", report_id)
    body = {"reason": "bukan wewenang kami"} if step == "decline" else None
    stepped = await intake.post(f"/v1/referrals/{referral_id}/{step}", json=body, headers=partner_headers("disdik"))
    assert stepped.status_code == 200, stepped.text
    return report_id, referral_id


async def _age(conn, report_id, days: int) -> None:
    then = {"id": report_id, "at": datetime.now(UTC) - timedelta(days=days)}
    await conn.execute(text("UPDATE report_intake.reports SET updated_at = :at, created_at = :at WHERE id = :id"), then)
    await conn.execute(text("UPDATE report_intake.referrals SET updated_at = :at WHERE report_id = :id"), then)
    await conn.execute(text("UPDATE report_intake.messages SET created_at = :at WHERE report_id = :id"), then)


async def _what_is_left(conn, report_id) -> dict:
    async def one(sql):
        return (await conn.execute(text(sql), {"id": report_id})).one()
    report = await one("SELECT status, sealed IS NOT NULL AS sealed, category FROM report_intake.reports "
                       "WHERE id = :id")
    return {"report": tuple(report),
            "referral_sealed": (await one("SELECT bool_and(sealed IS NOT NULL) FROM report_intake.referrals "
                                          "WHERE report_id = :id"))[0],
            "messages": (await one("SELECT count(*) FROM report_intake.messages WHERE report_id = :id"))[0],
            "key": (await one("SELECT count(*) FROM report_intake.case_keys WHERE report_id = :id"))[0]}


async def test_only_cases_quiet_for_longer_than_the_period_are_shredded(intake, submit, report_body, partner_headers,
                                                                        referral_id_for, settings):
    old_closed, _ = await _case(intake, submit, report_body, partner_headers, referral_id_for, "decline")
    young_closed, _ = await _case(intake, submit, report_body, partner_headers, referral_id_for, "decline")
    old_but_open, _ = await _case(intake, submit, report_body, partner_headers, referral_id_for, "accept")
    engine = create_engine(settings.database_url, 2)
    try:
        async with engine.begin() as conn:
            await _age(conn, old_closed, 400)
            await _age(conn, young_closed, 300)
            await _age(conn, old_but_open, 400)
        await apply(engine, rules_for(["report-intake"]), RetentionSettings(case_days=365, batch_size=1))
        async with engine.connect() as conn:
            untouched = {"report": ("referred", True, "bullying"), "referral_sealed": True, "messages": 1, "key": 1}
            assert await _what_is_left(conn, young_closed) == untouched
            assert await _what_is_left(conn, old_but_open) == untouched
            assert await _what_is_left(conn, old_closed) == {
                "report": ("erased", False, "bullying"), "referral_sealed": False, "messages": 0, "key": 0}
    finally:
        await engine.dispose()
    assert (await intake.get(f"/v1/reports/{old_closed}", headers={"X-Case-Token": "any"})).status_code == 404
