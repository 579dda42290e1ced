"""Staff and partner tokens from the city's OIDC provider: with KENTONGAN_OIDC_ISSUER / _JWKS_URL set, only
tokens signed with the provider's published keys open the staff and partner APIs."""

import hashlib
import hmac
import time
from datetime import timedelta

import httpx
import jwt
import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from jwt.algorithms import RSAAlgorithm
from jwt.utils import base64url_encode
from pydantic import SecretStr

from kentongan import security
from kentongan.devstack import free_port
from kentongan.errors import install_error_handlers
from kentongan.receivers import read_body, serving
from kentongan.security import OPERATOR, PARTNER, CurrentPartner, CurrentSupervisor, operator_token
from kentongan.settings import ServiceSettings

ISSUER = "https://sso.semarangkota.go.id/realms/command-center"


class Provider:
    """The identity provider's JWKS endpoint, with keys it can rotate."""

    def __init__(self) -> None:
        self.port = free_port()
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.rotations = 0
        self.rotate()

    def rotate(self) -> str:
        self.rotations += 1
        kid = f"key-{self.rotations}"
        self.keys = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)}
        return kid

    @property
    def kid(self) -> str:
        return next(iter(self.keys))

    def sign(self, claims: dict, *, key: rsa.RSAPrivateKey | None = None, ttl_s: int = 300) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "sub": "siti.rahma", "iat": now, "exp": now + ttl_s, **claims}
        return jwt.encode(claims, key or self.keys[self.kid], algorithm="RS256", headers={"kid": self.kid})

    async def __call__(self, scope, receive, send) -> None:
        await read_body(receive)
        keys = [{**RSAAlgorithm.to_jwk(k.public_key(), as_dict=True), "kid": kid, "alg": "RS256", "use": "sig"}
                for kid, k in self.keys.items()]
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": orjson.dumps({"keys": keys})})


@pytest.fixture(scope="module")
async def provider():
    provider = Provider()
    async with serving(provider, provider.port):
        yield provider


def _api(settings: ServiceSettings) -> httpx.AsyncClient:
    app = FastAPI()
    app.state.settings = settings
    install_error_handlers(app)

    @app.get("/supervisor")
    async def supervisor(user: CurrentSupervisor) -> dict:
        return {"subject": user.subject, "roles": sorted(user.roles)}

    @app.get("/partner")
    async def partner(user: CurrentPartner) -> dict:
        return {"agency": user.agency}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
def api(provider):
    return _api(ServiceSettings(oidc_issuer=ISSUER, oidc_jwks_url=f"http://127.0.0.1:{provider.port}/jwks",
                                oidc_roles_claim="realm_access.roles"))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_supervisor_signed_in_at_the_provider_is_let_in_with_the_roles_it_grants(api, provider):
    token = provider.sign({"aud": [OPERATOR, "account"], "realm_access": {"roles": ["supervisor", "offline"]}})
    response = await api.get("/supervisor", headers=_bearer(token))
    assert response.status_code == 200, response.text
    assert response.json() == {"subject": "siti.rahma", "roles": ["offline", "supervisor"]}

    operator_only = provider.sign({"aud": OPERATOR, "realm_access": {"roles": ["operator"]}})
    assert (await api.get("/supervisor", headers=_bearer(operator_only))).status_code == 403


async def test_tokens_not_signed_by_the_provider_are_refused(api, provider):
    local = operator_token(ServiceSettings(), "admin")  # the development issuer no longer counts for staff
    forged = provider.sign({"aud": OPERATOR, "realm_access": {"roles": ["admin"]}},
                           key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    elsewhere = jwt.encode({"iss": "https://evil.example", "sub": "x", "aud": OPERATOR, "exp": int(time.time()) + 60,
                            "realm_access": {"roles": ["admin"]}}, provider.keys[provider.kid], algorithm="RS256",
                           headers={"kid": provider.kid})
    expired = provider.sign({"aud": OPERATOR, "realm_access": {"roles": ["admin"]}}, ttl_s=-10)
    confused = _hmac_signed_with_public_key(provider)
    for token in (local, forged, elsewhere, expired, confused):
        response = await api.get("/supervisor", headers=_bearer(token))
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "unauthorized"


def _hmac_signed_with_public_key(provider: Provider) -> str:
    """Algorithm confusion: an HS256 token whose secret is the provider's public key, which anyone has."""
    public_pem = provider.keys[provider.kid].public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = {"alg": "HS256", "typ": "JWT", "kid": provider.kid}
    claims = {"iss": ISSUER, "sub": "x", "aud": OPERATOR, "exp": int(time.time()) + 60,
              "realm_access": {"roles": ["admin"]}}
    signing_input = b".".join(base64url_encode(orjson.dumps(part)) for part in (header, claims))
    signature = hmac.new(public_pem, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64url_encode(signature)).decode()


async def test_keys_the_provider_rotated_in_are_fetched_when_a_token_names_them(monkeypatch):
    monkeypatch.setattr(security, "KEYS_REFETCH_COOLDOWN_S", 0)  # a provider of its own: a client without cooldown
    provider = Provider()
    api = _api(ServiceSettings(oidc_issuer=ISSUER, oidc_jwks_url=f"http://127.0.0.1:{provider.port}/jwks"))
    async with serving(provider, provider.port):
        before = provider.sign({"aud": OPERATOR, "roles": ["supervisor"]})
        assert (await api.get("/supervisor", headers=_bearer(before))).status_code == 200
        provider.rotate()
        after = provider.sign({"aud": OPERATOR, "sub": "budi", "roles": ["supervisor"]})
        response = await api.get("/supervisor", headers=_bearer(after))
        assert response.status_code == 200, response.text
        assert response.json()["subject"] == "budi"


async def test_a_partner_client_of_the_provider_reaches_only_the_partner_api(api, provider):
    token = provider.sign({"aud": PARTNER, "sub": "dp3a-client", "agency": "dp3a"})
    assert (await api.get("/partner", headers=_bearer(token))).json() == {"agency": "dp3a"}
    assert (await api.get("/supervisor", headers=_bearer(token))).status_code == 403


async def test_an_unreachable_provider_is_a_503_not_a_refusal(provider):
    api = _api(ServiceSettings(oidc_issuer=ISSUER, oidc_jwks_url=f"http://127.0.0.1:{free_port()}/jwks"))
    token = provider.sign({"aud": OPERATOR, "roles": ["supervisor"]})
    response = await api.get("/supervisor", headers=_bearer(token))
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"


def test_issuer_and_keys_are_configured_together():
    with pytest.raises(ValueError, match="together"):
        ServiceSettings(oidc_issuer=ISSUER)


async def test_without_a_provider_the_development_issuer_signs_staff_tokens():
    settings = ServiceSettings(jwt_secret=SecretStr("a-test-secret-of-enough-length-000"))
    token = operator_token(settings, "supervisor", ttl=timedelta(minutes=5))
    response = await _api(settings).get("/supervisor", headers=_bearer(token))
    assert response.json() == {"subject": "dev-supervisor", "roles": ["supervisor"]}
