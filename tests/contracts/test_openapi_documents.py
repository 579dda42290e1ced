"""Each service's OpenAPI document is valid and tells the truth the same way: security schemes, the error
body on every error, stable operation ids, an example per request body that its schema accepts."""

import jsonschema
import pytest
from openapi_spec_validator import validate

from tests.contracts.conftest import SERVICES, openapi_of

# Open on purpose: an app registers itself, a reporter may report without an account; the notifier's
# development inbox exists outside production only (404 there).
# Open to anyone by design: registering an app, reporting a case, the public CAP 1.2 feed.
PUBLIC = {("post", "/v1/devices"), ("post", "/v1/reports"), ("get", "/v1/cap/alerts.atom"),
          ("get", "/v1/cap/alerts/{alert_id}.xml")}
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


@pytest.fixture(scope="module", params=sorted(SERVICES))
def document(request) -> dict:
    return openapi_of(request.param)


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_every_api_operation_declares_how_it_is_authenticated(document):
    schemes = document["components"]["securitySchemes"]
    for method, path, operation in _operations(document):
        if not path.startswith("/v1/") or (method, path) in PUBLIC:
            continue
        assert operation.get("security"), f"{method} {path} declares no security"
        for requirement in operation["security"]:
            assert set(requirement) <= set(schemes)
        # A refused credential is a 401 (a case token's wrong guess is a 404; a provider's handshake a 403).
        refused = {"401", "403"} & set(operation["responses"])
        assert refused or "caseToken" in str(operation["security"]), f"{method} {path}"


def test_every_error_is_documented_with_the_error_body(document):
    for method, path, operation in _operations(document):
        errors = {status: r for status, r in operation["responses"].items() if status[0] in "45"}
        if path.startswith("/v1/"):
            assert "503" in errors, f"{method} {path}"
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in errors, f"{method} {path}"
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, f"{method} {path} {status}"
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_operation_ids_are_the_endpoint_names_and_unique(document):
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) == len(set(ids))
    assert all(identifier.isidentifier() and not identifier.endswith(("_get", "_post")) for identifier in ids)


def test_every_request_body_has_an_example_its_schema_accepts(document):
    for method, path, operation in _operations(document):
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            assert "example" in media, f"{method} {path} {media_type} has no example"
            schema = {**media["schema"], "components": document["components"]}
            jsonschema.Draft202012Validator(schema).validate(media["example"])


def test_the_live_stream_is_documented_as_server_sent_events():
    stream = openapi_of("dispatch")["paths"]["/v1/incidents/stream"]["get"]
    assert list(stream["responses"]["200"]["content"]) == ["text/event-stream"]
    assert {"operatorQueryToken": []} in stream["security"]
