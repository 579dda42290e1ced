from uuid import uuid4

import pytest

from alarm_gateway.main import create_app


@pytest.fixture(scope="module")
async def gateway(serve):
    """The gateway in-process, one per module: an app living the whole session would stay in the service's
    consumer group while the cross-service tests run the real process, holding partitions whenever a
    synchronous test blocks the event loop."""
    app = create_app()
    async with serve(app) as client:
        client.app = app
        yield client


@pytest.fixture
async def device(gateway):
    """A freshly registered device's auth headers."""
    response = await gateway.post("/v1/devices", json={"platform": "android"})
    assert response.status_code == 201
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def alarm_body():
    """A builder of valid alarm bodies, each with a fresh client id."""
    return _alarm_body


def _alarm_body(**overrides):
    body = {"id": str(uuid4()), "lat": -6.9839, "lon": 110.4093, "accuracy_m": 12.0, "category": "crime",
            "silent": False, "note": "di depan Pasar Johar"}
    body.update(overrides)
    return body
