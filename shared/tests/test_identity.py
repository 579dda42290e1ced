"""The development OpenID provider of `make run`: Authorization Code + PKCE for a public client, its access
tokens accepted by the services' token checks, refresh, and refusal of a code without its verifier."""

import base64
import hashlib
import secrets
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI

from kentongan.dev.identity import running_provider
from kentongan.dev.stack import free_port
from kentongan.errors import install_error_handlers
from kentongan.security import CurrentOperator
from kentongan.settings import ServiceSettings

CONSOLE = "http://127.0.0.1:8004"
REDIRECT = f"{CONSOLE}/console"


@pytest.fixture(scope="module")
def issuer():
    with running_provider(free_port(), audience="kentongan", origins=[CONSOLE],
                          token_ttl=timedelta(minutes=2)) as issuer:
        yield issuer


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


async def _code(client: httpx.AsyncClient, user: str, challenge: str | None) -> str:
    params = {"response_type": "code", "client_id": "kentongan-console", "redirect_uri": REDIRECT,
              "scope": "openid profile", "state": "s1", "nonce": "n1"}
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    form = await client.get("/oauth2/authorize", params=params)
    assert form.status_code == 200, form.text
    assert user in form.text  # the demo staff are offered on the sign-in form
    signed_in = await client.post("/oauth2/authorize", params=params, data={"sub": user})
    assert signed_in.status_code == 302, signed_in.text
    location = signed_in.headers["location"]
    assert location.startswith(REDIRECT)
    return parse_qs(urlsplit(location).query)["code"][0]


def _api(settings: ServiceSettings) -> httpx.AsyncClient:
    app = FastAPI()
    app.state.settings = settings
    install_error_handlers(app)

    @app.get("/me")
    async def me(user: CurrentOperator) -> dict[str, object]:
        return {"subject": user.subject, "roles": sorted(user.roles)}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_a_public_client_signs_in_with_pkce_and_the_services_accept_its_token(issuer):
    async with httpx.AsyncClient(base_url=issuer, timeout=10) as client:
        discovery = (await client.get("/.well-known/openid-configuration", headers={"Origin": CONSOLE}))
        assert discovery.headers["access-control-allow-origin"] == CONSOLE
        assert discovery.json()["issuer"] == issuer
        verifier, challenge = _pkce()
        code = await _code(client, "supervisor1", challenge)
        tokens = (await client.post("/oauth2/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": "kentongan-console", "code_verifier": verifier}, headers={"Origin": CONSOLE}))
        assert tokens.status_code == 200, tokens.text
        assert tokens.headers["access-control-allow-origin"] == CONSOLE
        body = tokens.json()

        api = _api(ServiceSettings(oidc_issuer=issuer, environment="production",
                                   jwt_secret="a-real-production-secret-of-enough-length"))
        me = await api.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
        assert me.status_code == 200, me.text
        assert me.json() == {"subject": "supervisor1", "roles": ["supervisor"]}

        renewed = await client.post("/oauth2/token", data={
            "grant_type": "refresh_token", "refresh_token": body["refresh_token"], "client_id": "kentongan-console"})
        assert renewed.status_code == 200, renewed.text
        assert renewed.json()["access_token"] != body["access_token"]


async def test_a_code_without_its_verifier_or_a_request_without_pkce_is_refused(issuer):
    async with httpx.AsyncClient(base_url=issuer, timeout=10) as client:
        no_pkce = await client.get("/oauth2/authorize", params={
            "response_type": "code", "client_id": "kentongan-console", "redirect_uri": REDIRECT, "scope": "openid"})
        assert no_pkce.status_code == 400
        _, challenge = _pkce()
        code = await _code(client, "operator1", challenge)
        stolen = await client.post("/oauth2/token", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": "kentongan-console", "code_verifier": _pkce()[0]})
        assert stolen.status_code == 400
        assert stolen.json()["error"] == "invalid_grant"
