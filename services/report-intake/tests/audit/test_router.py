"""Every read of a report or referral is in the audit log; only supervisors may query it."""

from uuid import uuid4

from sqlalchemy import text


async def test_every_read_leaves_an_audit_row(intake, submit, report_body, operator_headers, partner_headers,
                                              referral_id_for, database):
    report_id, token = await submit(report_body())
    referral_id = await referral_id_for("disdik", report_id)  # the agency's list: one read
    await intake.get(f"/v1/reports/{report_id}", headers={"X-Case-Token": token})
    await intake.get(f"/v1/reports/{report_id}/messages", headers={"X-Case-Token": token})
    await intake.get(f"/v1/staff/reports/{report_id}", headers=operator_headers("operator", "opr-budi"))
    await intake.get(f"/v1/staff/reports/{report_id}",
                     headers={**operator_headers("supervisor", "spv-sari"), "X-Access-Reason": "verifikasi kasus"})
    await intake.get(f"/v1/referrals/{referral_id}", headers=partner_headers("disdik"))
    supervisor = operator_headers("supervisor")
    for_report = await intake.get("/v1/audit", params={"resource_id": report_id}, headers=supervisor)
    assert sorted((a["action"], a["actor"], a["reason"]) for a in for_report.json()["items"]) == sorted([
        ("report.status.read", "reporter", None), ("report.messages.read", "reporter", None),
        ("report.metadata.read", "opr-budi", None), ("report.detail.read", "spv-sari", "verifikasi kasus"),
    ])
    async with database.connect() as conn:  # the reason may name the victim: sealed at rest
        stored = (await conn.execute(text("SELECT * FROM report_intake.audit_log WHERE resource_id = :id "
                                          "AND action = 'report.detail.read'"), {"id": report_id})).mappings().one()
    assert b"verifikasi" not in stored["reason_sealed"] and stored["reason_key_id"] == "dev-only"
    for_referral = await intake.get("/v1/audit", params={"resource_id": referral_id}, headers=supervisor)
    assert sorted(a["action"] for a in for_referral.json()["items"]) == ["referral.list", "referral.read"]
    assert {a["actor"] for a in for_referral.json()["items"]} == {"disdik/disdik-client"}


async def test_failed_reads_leave_no_trace_of_a_case(intake, operator_headers):
    missing = str(uuid4())
    assert (await intake.get(f"/v1/reports/{missing}", headers={"X-Case-Token": "x"})).status_code == 404
    audit = await intake.get("/v1/audit", params={"resource_id": missing}, headers=operator_headers("supervisor"))
    assert audit.status_code == 200 and audit.json() == {"items": [], "next": None}


async def test_only_supervisors_query_the_audit_log(intake, operator_headers, partner_headers):
    assert (await intake.get("/v1/audit", headers=operator_headers("operator"))).status_code == 403
    assert (await intake.get("/v1/audit", headers=partner_headers("dp3a"))).status_code == 403
    assert (await intake.get("/v1/audit")).status_code == 401
    assert (await intake.get("/v1/audit", params={"limit": 5000}, headers=operator_headers("admin"))).status_code == 422


async def test_operators_see_metadata_and_supervisors_the_case(intake, submit, report_body, operator_headers):
    body = report_body()
    report_id, _ = await submit(body)
    as_operator = await intake.get(f"/v1/staff/reports/{report_id}", headers=operator_headers("operator"))
    assert as_operator.status_code == 200 and "narrative" not in as_operator.json()
    assert body["narrative"] not in as_operator.text and as_operator.json()["triaged_agencies"] == ["disdik"]
    as_admin = await intake.get(f"/v1/staff/reports/{report_id}", headers=operator_headers("admin"))
    assert as_admin.json()["narrative"] == body["narrative"] and as_admin.json()["school"] == body["school"]
    listed = await intake.get("/v1/staff/reports", headers=operator_headers("operator"))
    assert body["narrative"] not in listed.text
    assert (await intake.get("/v1/staff/reports", headers=partner_headers_none())).status_code == 401


def partner_headers_none():
    return {}
