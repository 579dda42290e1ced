"""The development OpenID provider: `make run` and the console's browser tests sign staff in through it.

It is the `oidc-provider-mock` wheel (a real OIDC server with a sign-in form, discovery, JWKS, refresh tokens
and RP-initiated logout) preloaded with the demo staff, on a loopback port. Production uses Keycloak
(deploy/keycloak/) instead; the services cannot tell the two apart. Three things the mock lacks are added here,
so that the console is tested against what Keycloak does:

- access tokens that are JWTs signed with the provider's published key, with the API audience and Keycloak's
  `realm_access.roles` (the mock's are opaque strings);
- public clients with PKCE: the authorization request must carry an S256 `code_challenge`, and the token
  request the matching `code_verifier` (the mock neither checks PKCE nor accepts clients without a secret);
- CORS for the console's origins on discovery and the token endpoint (the console calls them with fetch).
"""

import base64
import hashlib
import io
import json
import logging
import secrets
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from jwt.algorithms import RSAAlgorithm

# Demo staff of `make run` (user name: realm roles). Signing in takes a click on the name: no passwords.
DEMO_STAFF = {"operator1": ["operator"], "operator2": ["operator"], "supervisor1": ["supervisor"],
              "admin1": ["admin"]}

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def provider_app(*, audience: str, origins: Iterable[str], token_ttl: timedelta,
                 staff: dict[str, list[str]] = DEMO_STAFF) -> WsgiApp:
    """The provider as a WSGI application whose tokens name `audience`, callable from `origins`' pages."""
    import flask

    with warnings.catch_warnings():  # its authlib imports warn of their own future deprecations
        warnings.simplefilter("ignore")
        from oidc_provider_mock import User, init_app

    # The mock finds its templates next to the module that names the app, as its own `app()` does.
    app = flask.Flask("oidc_provider_mock._app")
    app.secret_key = secrets.token_bytes(32)  # its sign-in form's session cookie; per process
    app.config["OAUTH2_ACCESS_TOKEN_GENERATOR"] = _access_token_generator(audience, token_ttl)
    users = [User(sub=name, claims={"preferred_username": name, "name": name, "realm_access": {"roles": roles}})
             for name, roles in staff.items()]
    init_app(app, user_claims=users, access_token_max_age=token_ttl, require_nonce=True)
    return _PublicClientsWithPkce(app.wsgi_app, frozenset(origins))


def _access_token_generator(audience: str, ttl: timedelta) -> Callable[..., str]:
    def generate(client: Any, grant_type: str, user: Any, scope: str) -> str:
        import flask

        key = flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True)
        now = int(time.time())
        claims = {"iss": flask.request.host_url.rstrip("/"), "sub": user.sub, "aud": [audience],
                  "azp": client.get_client_id(), "iat": now, "exp": now + int(ttl.total_seconds()),
                  "jti": secrets.token_urlsafe(16), "scope": scope, "typ": "Bearer", **user.claims}
        private_key = RSAAlgorithm.from_jwk(json.dumps(key))
        return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": key["kid"]})  # type: ignore[arg-type]

    return generate


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass
class _PublicClientsWithPkce:
    """PKCE (S256) required of every client, public clients admitted, and CORS for the console's origins."""

    app: WsgiApp
    origins: frozenset[str]

    def __post_init__(self) -> None:
        self.challenges: dict[str, str] = {}  # authorization code -> its code_challenge
        self.lock = threading.Lock()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        cors = self._cors(environ.get("HTTP_ORIGIN", ""))
        if environ["REQUEST_METHOD"] == "OPTIONS":
            start_response("204 No Content", [*cors, ("Access-Control-Allow-Methods", "GET, POST"),
                                              ("Access-Control-Allow-Headers", "Content-Type, Authorization"),
                                              ("Access-Control-Max-Age", "600")])
            return []
        path = environ.get("PATH_INFO", "")
        if path == "/oauth2/authorize":
            return self._authorize(environ, start_response)
        if path == "/oauth2/token" and environ["REQUEST_METHOD"] == "POST":
            refused = self._check_token_request(environ)
            if refused:
                return _json(start_response, "400 Bad Request", {"error": "invalid_grant",
                                                                 "error_description": refused}, cors)

        def with_cors(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            return start_response(status, [*headers, *cors], *rest)

        return self.app(environ, with_cors)

    def _cors(self, origin: str) -> list[tuple[str, str]]:
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")] if origin in self.origins else []

    def _authorize(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        challenge = query.get("code_challenge", [""])[0]
        if query.get("code_challenge_method") != ["S256"] or len(challenge) < 43:
            return _json(start_response, "400 Bad Request",
                         {"error": "invalid_request", "error_description": "PKCE with S256 is required"}, [])

        def remember_code(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            for name, value in headers:
                if name.lower() == "location":
                    code = parse_qs(urlsplit(value).query).get("code", [""])[0]
                    if code:
                        with self.lock:
                            self.challenges[code] = challenge
            return start_response(status, headers, *rest)

        return self.app(environ, remember_code)

    def _check_token_request(self, environ: Environ) -> str | None:
        """Why a token request is refused (a code without its verifier), or None. A public client (no secret)
        is let through the mock as a client it takes any secret from: PKCE is what proves it."""
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        form = parse_qs(body.decode())
        if form.get("grant_type") == ["authorization_code"]:
            with self.lock:
                challenge = self.challenges.pop(form.get("code", [""])[0], None)
            if challenge is None or _s256(form.get("code_verifier", [""])[0]) != challenge:
                return "the code_verifier does not match the code_challenge"
        client_id = form.get("client_id", [""])[0]
        if client_id and "HTTP_AUTHORIZATION" not in environ:
            basic = base64.b64encode(f"{client_id}:public-client".encode()).decode()
            environ["HTTP_AUTHORIZATION"] = f"Basic {basic}"
        return None


def _json(start_response: StartResponse, status: str, body: dict[str, str],
          headers: list[tuple[str, str]]) -> list[bytes]:
    start_response(status, [("Content-Type", "application/json"), *headers])
    return [json.dumps(body).encode()]


@contextmanager
def running_provider(port: int, *, audience: str, origins: Iterable[str],
                     token_ttl: timedelta = timedelta(minutes=5)) -> Iterator[str]:
    """The provider on 127.0.0.1:`port` in a background thread for the block; yields its issuer."""
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request on `make run`'s terminal
    server = make_server("127.0.0.1", port, provider_app(audience=audience, origins=origins, token_ttl=token_ttl),
                         threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True,
                              name="dev-identity-provider")
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
