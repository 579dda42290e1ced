"""The service as deployed: a real uvicorn process found through its entry point."""

import httpx


async def test_a_report_submitted_to_the_running_service_is_readable_with_its_token(services, report_body):
    service = services.start("report-intake")
    async with httpx.AsyncClient(base_url=service.url) as client:
        submitted = await client.post("/v1/reports", json=report_body())
        assert submitted.status_code == 201
        receipt = submitted.json()
        case = await client.get(f"/v1/reports/{receipt['report_id']}",
                                headers={"Authorization": f"Bearer {receipt['case_token']}"})
        assert case.status_code == 200 and case.json()["status"] == "referred"
        assert (await client.get(f"/v1/reports/{receipt['report_id']}")).status_code == 404


async def test_demo_data_loads_through_the_public_api(services, settings, operator_headers):
    from report_intake.demo import DEMO_REPORTS, load

    service = services.start("report-intake")
    await load(service.url, settings)
    async with httpx.AsyncClient(base_url=service.url) as client:
        listed = await client.get("/v1/staff/reports", params={"limit": 200}, headers=operator_headers())
    statuses = [r["status"] for r in listed.json()["items"][:len(DEMO_REPORTS)]]
    assert sorted(statuses) == ["awaiting_consent", "referred", "referred", "referred"]
