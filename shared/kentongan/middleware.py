"""Pure ASGI middleware: request metrics by route template, and a cap on request body size."""

import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kentongan import metrics

_TOO_LARGE = b'{"error":"payload_too_large","detail":"request body exceeds the limit"}'


class MetricsMiddleware:
    """Counts and times every HTTP request, labelled by route template (never raw ids)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            metrics.HTTP_REQUESTS.labels(self.service, method, route, str(status)).inc()
            metrics.HTTP_LATENCY.labels(self.service, method, route).observe(time.perf_counter() - started)


class BodyLimitMiddleware:
    """Answers 413 to bodies over `max_bytes` (or the path's own limit in `path_limits`), whether announced by
    Content-Length or streamed. A path may be a template: `/v1/reports/{report_id}/attachments` matches any
    one segment where the braces are."""

    def __init__(self, app: ASGIApp, max_bytes: int, path_limits: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.path_limits = {path: limit for path, limit in (path_limits or {}).items() if "{" not in path}
        self.template_limits = [(_template(path), limit) for path, limit in (path_limits or {}).items()
                                if "{" in path]

    def _limit(self, path: str) -> int:
        if path in self.path_limits:
            return self.path_limits[path]
        return next((limit for pattern, limit in self.template_limits if pattern.match(path)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self._limit(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await _reject(send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not started:
                await _reject(send)


def _template(path: str) -> re.Pattern[str]:
    return re.compile("^" + "/".join("[^/]+" if part.startswith("{") else re.escape(part)
                                     for part in path.split("/")) + "$")


class _BodyTooLarge(Exception):
    pass


async def _reject(send: Send) -> None:
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(_TOO_LARGE)).encode())]})
    await send({"type": "http.response.body", "body": _TOO_LARGE})
