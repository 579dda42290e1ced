"""The five services' contracts: their OpenAPI documents, and the services run on the embedded stack to fuzz."""

from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI

from alarm_gateway.main import create_app as create_gateway
from cctv_ingest.main import create_app as create_cctv
from dispatch.main import create_app as create_dispatch
from notifier.main import create_app as create_notifier
from report_intake.main import create_app as create_intake

SERVICES: dict[str, Callable[[], FastAPI]] = {
    "alarm-gateway": create_gateway, "dispatch": create_dispatch, "report-intake": create_intake,
    "cctv-ingest": create_cctv, "notifier": create_notifier,
}


def openapi_of(service: str) -> dict:
    return SERVICES[service]().openapi()


@pytest.fixture(scope="session")
def notifier_url(services) -> str:
    return services.start("notifier").url


@pytest.fixture(scope="session")
def intake_url(services) -> str:
    return services.start("report-intake").url


@pytest.fixture(scope="session")
def credentials(gateway_url, intake_url, operator_headers, partner_headers) -> dict[str, dict[str, str]]:
    """The headers each security scheme of the documents asks for, with real tokens: an admin (who may do all
    a staff member may), a partner agency, a registered device, a reporter's case."""
    device = httpx.post(f"{gateway_url}/v1/devices", json={}, timeout=10).json()["token"]
    report = openapi_of("report-intake")["paths"]["/v1/reports"]["post"]
    example = report["requestBody"]["content"]["application/json"]["example"]
    submitted = httpx.post(f"{intake_url}/v1/reports", json=example, timeout=10)
    assert submitted.status_code == 201, submitted.text
    staff = operator_headers("admin")
    return {"operatorJWT": staff, "operatorQueryToken": staff, "partnerJWT": partner_headers("dp3a"),
            "deviceToken": {"Authorization": f"Bearer {device}"},
            "caseToken": {"X-Case-Token": submitted.json()["case_token"]}}
