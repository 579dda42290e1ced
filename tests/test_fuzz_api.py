"""Property-based fuzzing of the public APIs from their OpenAPI documents (schemathesis): whatever a client
sends, the answer is never a 500, and every error carries `{"error", "detail"}`."""

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from alarm_gateway.main import create_app as create_gateway
from dispatch.main import create_app as create_dispatch

gateway_schema = schemathesis.openapi.from_dict(create_gateway().openapi())
dispatch_schema = schemathesis.openapi.from_dict(create_dispatch().openapi())
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def device_headers(gateway_url) -> dict[str, str]:
    token = httpx.post(f"{gateway_url}/v1/devices", json={}).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def _assert_clean(response) -> None:
    assert response.status_code < 500, f"{response.status_code}: {response.text[:500]}"
    content_type = " ".join(response.headers.get("content-type", []))
    if response.status_code >= 400 and content_type.startswith("application/json"):
        body = response.json()
        assert {"error", "detail"} <= set(body), body


@gateway_schema.exclude(path_regex="metrics").parametrize()
@FUZZ
def test_gateway_never_answers_500(case, gateway_url, device_headers):
    _assert_clean(case.call(base_url=gateway_url, headers=device_headers, timeout=10))


@dispatch_schema.exclude(path_regex="stream|metrics").parametrize()
@FUZZ
def test_dispatch_never_answers_500(case, dispatch_url, operator_headers):
    _assert_clean(case.call(base_url=dispatch_url, headers=operator_headers("supervisor"), timeout=10))
