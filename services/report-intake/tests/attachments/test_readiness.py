"""/readyz checks the evidence store like the database: while it is down the replica is not ready (503, the
check named), and it is ready again once the store is back."""

from kentongan.dev.testing import eventually, store_down


async def test_an_evidence_store_that_is_down_makes_the_service_not_ready(intake, evidence_dir):
    ready = await intake.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["blob_store"] is True
    with store_down(evidence_dir):
        response = await intake.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["blob_store"] is False
        assert response.json()["reasons"]["blob_store"] == "the object store does not answer"
        assert str(evidence_dir) not in response.text  # where the store is stays in the log

    async def ready_again():
        return (await intake.get("/readyz")).status_code == 200

    await eventually(ready_again)
