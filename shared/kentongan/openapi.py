"""The OpenAPI contract every service publishes, completed in one place: security schemes, the errors each
operation really returns (with the `{"error", "detail"}` body), stable operation ids and request examples.

Routes and dependencies say what they do with markers; nothing is repeated per service:
- a dependency that authenticates is marked `@documents(security=SCHEME)`, one that can refuse with
  `@documents(errors=(Forbidden,))`; every route depending on it (however deeply) inherits both;
- a route raising an error of its own names it with `responses=raises(CameraIdTaken)`;
- 422 (any parameter or body), 404 (a path parameter), 413 (a body) and 503 (storage down) are inferred.
"""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from pydantic import BaseModel, Field

from kentongan.errors import MalformedBody, NotFound, PayloadTooLarge, ServiceError, ServiceUnavailable

F = TypeVar("F", bound=Callable[..., Any])
ERROR_SCHEMA = "#/components/schemas/ErrorBody"


class FieldProblem(BaseModel):
    field: str = Field(examples=["lat"])
    message: str = Field(examples=["Input should be less than or equal to 90"])


class ErrorBody(BaseModel):
    """Every error: a stable machine code and a human detail (for 422, the list of fields at fault)."""

    error: str = Field(examples=["not_found"])
    detail: str | list[FieldProblem] | dict[str, Any] | None = Field(examples=["Not found."])


@dataclass(frozen=True)
class SecurityScheme:
    name: str
    scheme: dict[str, str]


OPERATOR_JWT = SecurityScheme("operatorJWT", {
    "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
    "description": "Command Center staff (operator, supervisor, admin): a JWT of the OIDC issuer (or the local "
                   "development issuer, `make token`), audience `kentongan:operator`, roles in its roles claim."})
STREAM_TOKEN = SecurityScheme("operatorQueryToken", {
    "type": "apiKey", "in": "query", "name": "access_token",
    "description": "The staff JWT as a query parameter: only for the live stream (EventSource cannot send "
                   "headers)."})
PARTNER_JWT = SecurityScheme("partnerJWT", {
    "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
    "description": "A partner agency's client token (audience `kentongan:partner`), scoped to one agency."})


@dataclass(frozen=True)
class Contract:
    """What a dependency adds to the contract of every route using it."""

    security: tuple[SecurityScheme, ...] = ()  # alternatives: any one of them admits the caller
    errors: tuple[type[ServiceError], ...] = ()


def documents(*, security: SecurityScheme | tuple[SecurityScheme, ...] = (),
              errors: tuple[type[ServiceError], ...] = ()) -> Callable[[F], F]:
    """Mark a dependency: routes depending on it declare this security scheme and may answer these errors."""
    schemes = security if isinstance(security, tuple) else (security,)

    def mark(dependency: F) -> F:
        dependency.__kentongan_contract__ = Contract(schemes, errors)  # type: ignore[attr-defined]
        return dependency

    return mark


def raises(*errors: type[ServiceError]) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route that raises these errors itself (the body schema is filled in for it)."""
    return {error.status_code: {"description": _describe(error)} for error in errors}


def install_contract(app: FastAPI) -> None:
    """Make `app.openapi()` publish the completed contract (built once, on first request for it)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            complete(schema, [route for route in iter_route_contexts(app.routes)
                              if isinstance(route.original_route, APIRoute)])
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def operation_id(route: APIRoute) -> str:
    """Stable and readable: the endpoint function's name (`list_cameras`), unique within a service."""
    return route.name


def complete(schema: dict[str, Any], routes: list[RouteContext]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.update(_component_schemas())
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    schemes: dict[str, dict[str, str]] = {}
    for route in routes:
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = schema["paths"][route.path_format][method.lower()]
            contracts = list(_contracts(route.dependant))
            security = [scheme for contract in contracts for scheme in contract.security]
            if security:
                operation["security"] = [{scheme.name: []} for scheme in security]
                schemes.update({scheme.name: scheme.scheme for scheme in security})
            _document_errors(operation, route, contracts)
            _add_body_example(operation, schema)
    if schemes:
        components["securitySchemes"] = schemes


def _component_schemas() -> dict[str, Any]:
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions = body.pop("$defs", {})
    return {"ErrorBody": body, **definitions}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    """A route's dependant and all its dependencies, at any depth."""
    stack = [dependant]
    while stack:
        current = stack.pop()
        stack.extend(current.dependencies)
        yield current


def _contracts(dependant: Dependant) -> Iterator[Contract]:
    """The markers of a route's dependencies, each once."""
    seen: set[int] = set()
    for current in _dependants(dependant):
        contract = getattr(current.call, "__kentongan_contract__", None)
        if contract is not None and id(contract) not in seen:
            seen.add(id(contract))
            yield contract


def _document_errors(operation: dict[str, Any], route: RouteContext, contracts: list[Contract]) -> None:
    dependants = list(_dependants(route.dependant))
    has_path_params = any(d.path_params for d in dependants)
    has_body = any(d.body_params for d in dependants) or "requestBody" in operation
    has_params = has_path_params or has_body or any(d.query_params or d.header_params or d.cookie_params
                                                    for d in dependants)
    errors: list[type[ServiceError]] = [error for contract in contracts for error in contract.errors]
    if has_path_params:
        errors.append(NotFound)
    if has_body:
        errors += [MalformedBody, PayloadTooLarge]
    if (route.path or "").startswith("/v1/"):
        errors.append(ServiceUnavailable)
    responses = operation.setdefault("responses", {})
    for error in errors:
        responses.setdefault(str(error.status_code), {"description": _describe(error)})
    if has_params:
        responses["422"] = {"description": "A parameter or the body is invalid: `detail` names each field"}
    for status, response in responses.items():
        if status[0] in "45":
            response["content"] = {"application/json": {"schema": {"$ref": ERROR_SCHEMA}}}


def _describe(error: type[ServiceError]) -> str:
    return f"`{error.error}`: {(error.__doc__ or '').strip()}"


def _add_body_example(operation: dict[str, Any], schema: dict[str, Any]) -> None:
    """Give each JSON request body an example: the model's own, else one built from its schema."""
    for media in operation.get("requestBody", {}).get("content", {}).values():
        if "example" in media or "examples" in media:
            continue
        body_schema = media.get("schema", {})
        example = example_of(body_schema, schema)
        if example is not None:
            media["example"] = example


def example_of(body_schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A plausible value for `body_schema` (refs resolved in `document`): the examples its fields declare,
    else values of the right type and format (tests/contracts checks each one validates)."""
    return _sample(body_schema, document, depth=0)


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


_FORMATS = {"uuid": "0192f0c4-6c1e-7d3a-9b7e-2f1d5c3a8e41", "date-time": "2026-12-03T08:15:00+07:00",
            "date": "2026-12-03", "email": "petugas@semarangkota.go.id", "uri": "https://partner.example.go.id/hook",
            "ipvanyaddress": "203.0.113.7"}


def _sample(schema: dict[str, Any], document: dict[str, Any], depth: int) -> Any:
    schema = _resolve(schema, document)
    for key in ("examples", "example", "default", "const"):
        if key in schema:
            value = schema[key]
            return value[0] if key == "examples" and isinstance(value, list) and value else value
    if "enum" in schema:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [option for option in schema[key] if option.get("type") != "null"] or schema[key]
            return _sample(options[0], document, depth)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        properties = schema.get("properties", {})
        return {name: _sample(sub, document, depth + 1) for name, sub in properties.items()
                if name in schema.get("required", ()) or _has_example(sub)}
    if kind == "array":
        return [_sample(schema.get("items", {}), document, depth + 1)] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        low, high = schema.get("minimum", schema.get("exclusiveMinimum", 0)), schema.get("maximum", 1)
        return (low + high) / 2 if "maximum" in schema else low + 1
    if kind == "boolean":
        return False
    if kind == "string":
        return _string(schema)
    return None


# Tried in turn against a field's pattern when it declares no example: an Indonesian mobile number (E.164), a
# one-time code, a PIN, a plain word.
_PATTERNED = ("contoh", "+6281234567890", "123456", "2468", "smg-01")


def _string(schema: dict[str, Any]) -> str:
    value = _FORMATS.get(schema.get("format", ""), "contoh")[: schema.get("maxLength", 100)]
    pattern = schema.get("pattern")
    if pattern is None or re.search(pattern, value):
        return value
    return next((candidate for candidate in _PATTERNED if re.search(pattern, candidate)), value)


def _has_example(schema: dict[str, Any]) -> bool:
    return any(key in schema for key in ("examples", "example"))
