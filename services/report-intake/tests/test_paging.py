"""The audit log, the staff's report list and case threads come a page at a time: every item once, in order."""


async def _every_page(intake, path: str, headers: dict, limit: int, **params) -> tuple[list[dict], int]:
    """Every item of a paged list, following `next`, and how many pages it took."""
    items: list[dict] = []
    after, pages = None, 0
    while True:
        response = await intake.get(path, headers=headers,
                                    params={**params, "limit": limit, **({"after": after} if after else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items, pages = items + page["items"], pages + 1
        if (after := page["next"]) is None:
            return items, pages


async def test_a_thread_comes_oldest_first_a_page_at_a_time_for_reporter_and_agency(
        intake, submit, report_body, partner_headers, referral_id_for):
    report_id, token = await submit(report_body())
    case = {"X-Case-Token": token}
    referral_id = await referral_id_for("disdik", report_id)
    for number in range(5):
        written = await intake.post(f"/v1/reports/{report_id}/messages", json={"body": f"pesan {number}"},
                                    headers=case)
        assert written.status_code == 201
    answered = await intake.post(f"/v1/referrals/{referral_id}/messages", json={"body": "balasan"},
                                 headers=partner_headers("disdik"))
    assert answered.status_code == 201

    thread, pages = await _every_page(intake, f"/v1/reports/{report_id}/messages", case, 2)
    assert [m["body"] for m in thread] == [f"pesan {n}" for n in range(5)] + ["balasan"] and pages == 3
    seen, _ = await _every_page(intake, f"/v1/referrals/{referral_id}/messages", partner_headers("disdik"), 4)
    assert [m["id"] for m in seen] == [m["id"] for m in thread]


async def test_the_staff_list_and_the_audit_log_page_newest_first_without_repeats(
        intake, submit, report_body, operator_headers):
    mine = [(await submit(report_body(category="domestic_violence")))[0] for _ in range(3)]
    operator = operator_headers("operator", "opr-paging")
    listed = await intake.get("/v1/staff/reports", params={"limit": 2, "category": "domestic_violence"},
                              headers=operator)
    assert [r["id"] for r in listed.json()["items"]] == mine[::-1][:2] and listed.json()["next"]
    reports, _ = await _every_page(intake, "/v1/staff/reports", operator, 2, category="domestic_violence")
    ids = [r["id"] for r in reports]
    assert len(ids) == len(set(ids)) and ids[:3] == mine[::-1]

    entries, pages = await _every_page(intake, "/v1/audit", operator_headers("supervisor"), 1,
                                       actor="opr-paging", action="report.list")
    assert len(entries) == pages  # one a page, and no empty page at the end
    assert sorted(entry["resource_id"] for entry in entries) == sorted(ids + mine[::-1][:2])
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)


async def test_a_cursor_not_returned_by_the_api_is_a_400_naming_after(intake, operator_headers):
    response = await intake.get("/v1/audit", params={"after": "not-a-cursor"},
                                headers=operator_headers("supervisor"))
    assert response.status_code == 400 and response.json()["error"] == "invalid_cursor"
