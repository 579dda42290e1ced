"""Typed errors that carry their HTTP status, rendered once as `{"error": ..., "detail": ...}`."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kentongan.db import is_transient


class ServiceError(Exception):
    """Base of every error a service raises on purpose; subclasses set the status and error code."""

    status_code = 400
    error = "bad_request"

    def __init__(self, detail: Any = None, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail if detail is not None else self.__doc__
        self.headers = headers


class NotFound(ServiceError):
    """Not found."""

    status_code = 404
    error = "not_found"


class Conflict(ServiceError):
    """The resource changed; reload and try again."""

    status_code = 409
    error = "conflict"


class Unauthorized(ServiceError):
    """Missing or invalid credentials."""

    status_code = 401
    error = "unauthorized"

    def __init__(self, detail: Any = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ServiceError):
    """These credentials may not do this."""

    status_code = 403
    error = "forbidden"


class ServiceUnavailable(ServiceError):
    """Something this request depends on is down; nothing was changed, retry shortly."""

    status_code = 503
    error = "unavailable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"Retry-After": "1"})


class TooManyRequests(ServiceError):
    """Too many requests; slow down."""

    status_code = 429
    error = "rate_limited"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"Too many requests; retry after {retry_after_s} s",
                         headers={"Retry-After": str(retry_after_s)})


class PayloadTooLarge(ServiceError):
    """The request body is too large."""

    status_code = 413
    error = "payload_too_large"


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_details(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [{"field": "body" if e.get("type") == "json_invalid" else _field_name(tuple(e.get("loc", ()))),
             "message": e.get("msg", "invalid")} for e in errors]


def error_response(exc: ServiceError) -> JSONResponse:
    """The response of a typed error. An endpoint returns it (instead of raising) when what it did before the
    refusal must still commit, e.g. counting a wrong PIN."""
    return JSONResponse({"error": exc.error, "detail": exc.detail}, exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServiceError)
    async def _service_error(_: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"error": "validation_error", "detail": validation_details(list(exc.errors()))}, 422)

    @app.exception_handler(OperationalError)
    @app.exception_handler(DBAPIError)
    @app.exception_handler(OSError)
    async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
        # The database is restarting or unreachable: nothing was stored, the client may safely retry.
        if not is_transient(exc):
            raise exc
        return JSONResponse({"error": "unavailable", "detail": "storage temporarily unavailable; retry"}, 503,
                            headers={"Retry-After": "1"})

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse({"error": error, "detail": exc.detail}, exc.status_code, headers=exc.headers)
