"""Browser security headers on every response of every service (OWASP ASVS 14.4, 8.2.1).

Every service answers JSON, so the defaults are those of a JSON API (the OWASP REST cheat sheet): a
Content-Security-Policy under which nothing loads and nothing may frame the response, no MIME sniffing, no
Referer sent on, and nothing a cache may keep when it is JSON or answers a request that carried credentials.
A route serving a page (the dispatch console) sets its own Content-Security-Policy, built with
`content_security_policy`, and the middleware leaves it, and any Cache-Control a route chose, in place.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(**directives: str) -> str:
    """The API policy (nothing loads, no framing, no <base>, no form posts) with `directives` added or
    replaced: `content_security_policy(script_src="'self'")`."""
    policy = {"default-src": "'none'", "base-uri": "'none'", "form-action": "'none'",
              "frame-ancestors": "'none'"}
    policy.update({name.replace("_", "-"): value for name, value in directives.items()})
    return "; ".join(f"{name} {value}" for name, value in policy.items())


API_POLICY = content_security_policy()
# FastAPI's interactive docs (/docs, /redoc) load Swagger UI and ReDoc from their CDN and start them with an
# inline script. They show only the OpenAPI document, never stored data, and are meant for development.
DOCS_POLICY = content_security_policy(
    script_src="'unsafe-inline' https://cdn.jsdelivr.net",
    style_src="'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
    font_src="https://fonts.gstatic.com", img_src="'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
    connect_src="'self'", worker_src="blob:")
DOCS_PAGES = ("/docs", "/docs/oauth2-redirect", "/redoc")

_ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    # Older browsers ignore frame-ancestors: X-Frame-Options says the same to them.
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response (a route may set its own policy and caching)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.policies = {page: (b"content-security-policy", DOCS_POLICY.encode()) for page in DOCS_PAGES}
        self.default_policy = (b"content-security-policy", API_POLICY.encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        credentials = _carries_credentials(scope)
        policy = self.policies.get(scope["path"], self.default_policy)

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _secured(list(message.get("headers", ())), policy, credentials)
            await send(message)

        await self.app(scope, receive, send_secured)


def _carries_credentials(scope: Scope) -> bool:
    # A staff or device bearer token, a reporter's case token, or the live stream's `access_token`. (Plain loops:
    # this runs on every alarm, and a generator per request cost more than the rest of the middleware.)
    for name, _ in scope["headers"]:
        if name == b"authorization" or name == b"x-case-token":
            return True
    return b"access_token=" in scope.get("query_string", b"")


def _secured(headers: list[tuple[bytes, bytes]], policy: tuple[bytes, bytes],
             credentials: bool) -> list[tuple[bytes, bytes]]:
    # A route may choose its own Content-Security-Policy and Cache-Control; the other headers are fixed.
    # (ASGI header names are lower-case.)
    own_policy = own_caching = json = False
    for name, value in headers:
        if name == b"content-security-policy":
            own_policy = True
        elif name == b"cache-control":
            own_caching = True
        elif name == b"content-type":
            json = b"json" in value
    if not own_policy:
        headers.append(policy)
    headers.extend(_ALWAYS)
    if not own_caching and (credentials or json):
        headers.append(_NO_STORE)
    return headers
