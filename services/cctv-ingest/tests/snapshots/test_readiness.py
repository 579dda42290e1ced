"""/readyz checks the snapshot store like the database: while it is down the replica is not ready (503, the
check named), and it is ready again once the store is back."""

from pathlib import Path

from kentongan.dev.testing import eventually, store_down


async def test_a_snapshot_store_that_is_down_makes_the_service_not_ready(cctv, cctv_settings):
    ready = await cctv.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["blob_store"] is True
    with store_down(Path(cctv_settings.blob_dir)):
        response = await cctv.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["blob_store"] is False
        assert response.json()["reasons"] == {"blob_store": "the object store does not answer"}

    async def ready_again():
        return (await cctv.get("/readyz")).status_code == 200

    await eventually(ready_again)
