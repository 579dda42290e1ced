"""Staff and partner tokens from the city's OIDC provider: with KENTONGAN_OIDC_ISSUER set, only tokens signed
with the keys its discovery document publishes, for the configured audience, open the staff and partner APIs;
development tokens count beside them outside production only."""

import asyncio
import hashlib
import hmac
import time
from datetime import timedelta
from typing import Any

import httpx
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from jwt.utils import base64url_encode
from pydantic import SecretStr

from kentongan import security
from kentongan.checks import production_problems
from kentongan.dev.receivers import read_body, serving
from kentongan.dev.stack import free_port
from kentongan.errors import install_error_handlers
from kentongan.security import CurrentPartner, CurrentSupervisor, operator_token, partner_token
from kentongan.settings import ServiceSettings

AUDIENCE = "kentongan"
SECRET = SecretStr("a-test-secret-of-enough-length-000")
Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class Provider:
    """The identity provider's discovery document and JWKS endpoint, with keys it can rotate."""

    def __init__(self) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/realms/command-center"
        self.keys: dict[str, Key] = {}
        self.jwks_fetches = 0
        self.rotate()

    def rotate(self, key: Key | None = None, kid: str | None = None) -> str:
        """Publish a new signing key (the old one is withdrawn)."""
        kid = kid or f"key-{len(self.keys) + self.jwks_fetches}-{time.monotonic_ns()}"
        self.keys = {kid: key or rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        return kid

    @property
    def kid(self) -> str:
        return next(iter(self.keys))

    def sign(self, claims: dict[str, Any], *, key: Key | None = None, kid: str | None = None,
             ttl_s: int = 300, algorithm: str = "RS256") -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": "siti.rahma", "aud": AUDIENCE, "iat": now, "exp": now + ttl_s,
                  **claims}
        return jwt.encode(claims, key or self.keys[self.kid], algorithm=algorithm, headers={"kid": kid or self.kid})

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await read_body(receive)
        if scope["path"].endswith("/.well-known/openid-configuration"):
            body = {"issuer": self.issuer, "jwks_uri": f"{self.issuer}/protocol/openid-connect/certs"}
        else:
            self.jwks_fetches += 1
            body = {"keys": [_jwk(kid, key) for kid, key in self.keys.items()]}
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": orjson.dumps(body)})


def _jwk(kid: str, key: Key) -> dict[str, Any]:
    if isinstance(key, rsa.RSAPrivateKey):
        return {**RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "alg": "RS256", "use": "sig"}
    return {**ECAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": kid, "alg": "ES256", "use": "sig"}


@pytest.fixture
async def provider():
    provider = Provider()
    async with serving(provider, provider.port):
        yield provider


def _api(settings: ServiceSettings) -> httpx.AsyncClient:
    app = FastAPI()
    app.state.settings = settings
    install_error_handlers(app)

    @app.get("/supervisor")
    async def supervisor(user: CurrentSupervisor) -> dict[str, Any]:
        return {"subject": user.subject, "roles": sorted(user.roles)}

    @app.get("/partner")
    async def partner(user: CurrentPartner) -> dict[str, Any]:
        return {"agency": user.agency, "client": user.client_id}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


def _settings(provider: Provider, **overrides: Any) -> ServiceSettings:
    return ServiceSettings(oidc_issuer=provider.issuer, jwt_secret=SECRET, **overrides)


@pytest.fixture
def api(provider):
    return _api(_settings(provider))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _staff(provider: Provider, *roles: str, **claims: Any) -> dict[str, Any]:
    return {"realm_access": {"roles": list(roles)}, **claims}


async def test_a_supervisor_signed_in_at_the_provider_is_let_in_with_the_roles_it_grants(api, provider):
    token = provider.sign(_staff(provider, "supervisor", "offline_access", aud=[AUDIENCE, "account"]))
    response = await api.get("/supervisor", headers=_bearer(token))
    assert response.status_code == 200, response.text
    assert response.json() == {"subject": "siti.rahma", "roles": ["offline_access", "supervisor"]}
    assert provider.jwks_fetches == 1  # the keys came through discovery, and the verified token is cached
    assert (await api.get("/supervisor", headers=_bearer(token))).status_code == 200
    assert provider.jwks_fetches == 1


async def test_elliptic_curve_keys_count_too(api, provider):
    provider.rotate(ec.generate_private_key(ec.SECP256R1()))
    token = provider.sign(_staff(provider, "admin"), algorithm="ES256")
    assert (await api.get("/supervisor", headers=_bearer(token))).status_code == 200


async def test_roles_missing_or_too_low_are_refused_with_403(api, provider):
    for claims in ({}, _staff(provider), _staff(provider, "operator"), {"roles": ["admin"]}):
        response = await api.get("/supervisor", headers=_bearer(provider.sign(claims)))
        assert response.status_code == 403, (claims, response.text)


async def test_a_token_for_another_audience_is_refused_with_403(api, provider):
    token = provider.sign(_staff(provider, "admin", aud="account"))
    response = await api.get("/supervisor", headers=_bearer(token))
    assert response.status_code == 403
    assert response.json()["detail"] == "this token is not valid for this API"


async def test_tokens_not_issued_by_the_provider_are_refused(api, provider):
    admin = _staff(provider, "admin")
    refused = {
        "wrong issuer": provider.sign({**admin, "iss": "https://evil.example"}),
        "expired": provider.sign(admin, ttl_s=-120),
        "not yet valid": provider.sign({**admin, "nbf": int(time.time()) + 300}),
        "alg none": jwt.encode({"iss": provider.issuer, "sub": "x", "aud": AUDIENCE, "exp": int(time.time()) + 60,
                                **admin}, None, algorithm="none", headers={"kid": provider.kid}),
        "forged with another key": provider.sign(admin, key=rsa.generate_private_key(65537, 2048)),
        "HS256 with the issuer's name": jwt.encode(
            {"iss": provider.issuer, "sub": "x", "aud": AUDIENCE, "exp": int(time.time()) + 60, **admin},
            SECRET.get_secret_value(), algorithm="HS256"),
        "HS256 keyed with the public key": _hmac_signed_with_public_key(provider),
    }
    for name, token in refused.items():
        response = await api.get("/supervisor", headers=_bearer(token))
        assert response.status_code == 401, (name, response.text)
        assert response.json()["error"] == "unauthorized"
    assert (await api.get("/supervisor", headers=_bearer(provider.sign(admin, ttl_s=-10)))).status_code == 200, \
        "a token just past `exp` is within the clock leeway"


def _hmac_signed_with_public_key(provider: Provider) -> str:
    """Algorithm confusion: an HS256 token whose secret is the provider's public key, which anyone has."""
    public_pem = provider.keys[provider.kid].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", "kid": provider.kid}
    claims = {"iss": provider.issuer, "sub": "x", "aud": AUDIENCE, "exp": int(time.time()) + 60,
              "realm_access": {"roles": ["admin"]}}
    signing_input = b".".join(base64url_encode(orjson.dumps(part)) for part in (header, claims))
    signature = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64url_encode(signature)).decode()


async def test_an_unknown_key_id_is_refused_then_accepted_once_the_provider_rotates_to_it(monkeypatch, provider):
    monkeypatch.setattr(security, "KEYS_REFETCH_COOLDOWN_S", 1.0)  # a minute in production
    api = _api(_settings(provider))
    assert (await api.get("/supervisor", headers=_bearer(provider.sign(_staff(provider, "admin"))))).status_code \
        == 200
    next_key = rsa.generate_private_key(65537, 2048)
    token = provider.sign(_staff(provider, "supervisor", sub="budi"), key=next_key, kid="next")
    assert (await api.get("/supervisor", headers=_bearer(token))).status_code == 401  # not published yet

    provider.rotate(next_key, kid="next")
    # Unknown key ids refetch the set at most once per cooldown: a burst of them costs one fetch at most.
    fetches = provider.jwks_fetches
    forged = [provider.sign(_staff(provider, "admin"), key=next_key, kid=f"forged-{n}") for n in range(20)]
    for token_ in forged:
        assert (await api.get("/supervisor", headers=_bearer(token_))).status_code == 401
    assert provider.jwks_fetches <= fetches + 1

    await asyncio.sleep(1.1)  # the cooldown has passed: no restart needed
    response = await api.get("/supervisor", headers=_bearer(token))
    assert response.status_code == 200, response.text
    assert response.json()["subject"] == "budi"


async def test_a_partner_client_of_the_provider_reaches_only_the_partner_api(api, provider):
    token = provider.sign({"sub": "service-account-dp3a", "agency": "dp3a",
                           "realm_access": {"roles": ["admin"]}})  # a realm role granted by mistake
    response = await api.get("/partner", headers=_bearer(token))
    assert response.json() == {"agency": "dp3a", "client": "service-account-dp3a"}
    assert (await api.get("/supervisor", headers=_bearer(token))).status_code == 403
    staff = provider.sign(_staff(provider, "admin"))
    assert (await api.get("/partner", headers=_bearer(staff))).status_code == 403


async def test_a_configured_agency_claim_and_jwks_address_are_used(provider):
    api = _api(_settings(provider, oidc_agency_claim="kentongan.agency",
                         oidc_jwks_url=f"{provider.issuer}/protocol/openid-connect/certs"))
    token = provider.sign({"sub": "disdik-client", "kentongan": {"agency": "disdik"}})
    assert (await api.get("/partner", headers=_bearer(token))).json()["agency"] == "disdik"


async def test_an_unreachable_provider_is_a_503_not_a_refusal(provider):
    api = _api(ServiceSettings(oidc_issuer=f"http://127.0.0.1:{free_port()}/realms/x", jwt_secret=SECRET))
    response = await api.get("/supervisor", headers=_bearer(provider.sign(_staff(provider, "admin"))))
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"


async def test_development_tokens_count_beside_the_provider_outside_production_only(provider):
    development = _settings(provider)
    token = operator_token(development, "supervisor", ttl=timedelta(minutes=5))
    partner = partner_token(development, "dp3a", ttl=timedelta(minutes=5))
    assert (await _api(development).get("/supervisor", headers=_bearer(token))).status_code == 200
    assert (await _api(development).get("/partner", headers=_bearer(partner))).status_code == 200

    production = _settings(provider, environment="production")
    assert (await _api(production).get("/supervisor", headers=_bearer(token))).status_code == 401
    assert (await _api(production).get("/partner", headers=_bearer(partner))).status_code == 401


def test_production_names_a_missing_or_plain_http_provider():
    base = {"environment": "production", "jwt_secret": SECRET}
    assert "KENTONGAN_OIDC_ISSUER: missing" in " ".join(production_problems(ServiceSettings(**base)))
    plain = ServiceSettings(**base, oidc_issuer="http://sso.example.go.id/realms/command-center")
    assert "KENTONGAN_OIDC_ISSUER: not https" in " ".join(production_problems(plain))
    secure = ServiceSettings(**base, oidc_issuer="https://sso.example.go.id/realms/command-center")
    assert not [p for p in production_problems(secure) if "OIDC" in p]
    assert secure.oidc_roles_claim == "realm_access.roles"


def test_a_jwks_address_needs_its_issuer():
    with pytest.raises(ValueError, match="KENTONGAN_OIDC_ISSUER"):
        ServiceSettings(oidc_jwks_url="https://sso.example.go.id/certs")


async def test_without_a_provider_the_development_issuer_signs_staff_tokens():
    settings = ServiceSettings(jwt_secret=SECRET)
    token = operator_token(settings, "supervisor", ttl=timedelta(minutes=5))
    response = await _api(settings).get("/supervisor", headers=_bearer(token))
    assert response.json() == {"subject": "dev-supervisor", "roles": ["supervisor"]}
