"""Authentication and authorisation shared by the services.

Bearer JWTs (PyJWT) with an audience per kind of principal: devices (`kentongan:device`), Command Center
staff (`kentongan:operator`, with roles) and partner agencies (`kentongan:partner`, scoped to one agency).
The gateway signs device tokens with the shared HS256 secret. Staff and partner tokens come from an OIDC
provider when one is configured (KENTONGAN_OIDC_ISSUER: keys from its discovery document's JWKS, asymmetric
algorithms only, `aud` = KENTONGAN_OIDC_AUDIENCE, roles and agency from configurable claims); otherwise, and
outside production also beside it, from the local development issuer (`make token`), with the same secret.
"""

import asyncio
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Annotated, Any

import httpx
import jwt
from cachetools import LRUCache
from fastapi import Depends, Request
from jwt.algorithms import HMACAlgorithm
from jwt.types import Options

from kentongan.errors import Forbidden, ServiceUnavailable, Unauthorized
from kentongan.openapi import OPERATOR_JWT, PARTNER_JWT, STREAM_TOKEN, documents
from kentongan.settings import ServiceSettings

DEVICE = "kentongan:device"
OPERATOR = "kentongan:operator"
PARTNER = "kentongan:partner"

# What an OIDC provider may sign with: asymmetric algorithms only (an HS* header must never make the provider's
# public key an HMAC secret).
PROVIDER_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]



class _HMACWithPreparedKeys(HMACAlgorithm):
    """HS256 that checks and prepares each secret once. PyJWT prepares the key on every decode, trying it as
    PEM, SSH, DER (three parsers) and JSON to refuse asymmetric keys: a quarter of the time to verify a token
    (30 -> 22 us), paid on every alarm since each arrives with a token the process has not seen. The checks
    still run, once per secret. It also signs with OpenSSL's one-shot HMAC."""

    def __init__(self, hash_alg: Callable[..., Any]) -> None:
        super().__init__(hash_alg)
        self._digest_name = hash_alg().name

    @lru_cache(maxsize=8)  # noqa: B019 # one instance for the process; the keys are the configured secrets
    def prepare_key(self, key: str | bytes) -> bytes:
        return super().prepare_key(key)

    def sign(self, msg: bytes, key: bytes) -> bytes:
        # hmac.digest with the digest's name is OpenSSL's one-shot HMAC; PyJWT's hmac.new with a hash
        # constructor builds the inner and outer pads in Python.
        return hmac.digest(key, msg, self._digest_name)


jwt.unregister_algorithm("HS256")
jwt.register_algorithm("HS256", _HMACWithPreparedKeys(HMACAlgorithm.SHA256))

# Each role includes the ones before it.
ROLE_ORDER = ("operator", "supervisor", "admin")


@dataclass(frozen=True)
class Operator:
    """A signed-in Command Center user."""

    subject: str
    roles: frozenset[str]
    expires_at: float | None = None  # the token's `exp` (Unix time): a live stream ends there

    def has_role(self, role: str) -> bool:
        """True when the user holds `role` or a role above it."""
        wanted = ROLE_ORDER.index(role)
        return any(r in ROLE_ORDER and ROLE_ORDER.index(r) >= wanted for r in self.roles)


@dataclass(frozen=True)
class Partner:
    """A partner agency's client (DP3A, Disdik, ...)."""

    client_id: str
    agency: str


def issue_token(settings: ServiceSettings, *, subject: str, audience: str, ttl: timedelta,
                **claims: Any) -> str:
    now = datetime.now(UTC)
    payload = {"sub": subject, "aud": audience, "iss": settings.jwt_issuer, "iat": now, "exp": now + ttl, **claims}
    return jwt.encode(payload, settings.jwt_secret.get_secret_value(), algorithm="HS256")


# Tokens that verified, by their exact text (and the key and issuer they verified against): a device presents
# the same token on every call, and checking its signature again each time was ~5% of the gateway's CPU. A
# failure is never cached, and an entry past its token's `exp` is dropped when next asked for. (Revoking tokens
# would have to evict here.) A plain LRU on purpose: a cache with per-entry expiry (cachetools' TLRUCache) keeps
# a Python object per token, and with 60,000 device tokens the interpreter's full garbage collections walked
# them all, stalling every request in flight for 10-80 ms several times a run.
_verified: LRUCache[tuple[str | None, ...], dict[str, Any]] = LRUCache(maxsize=100_000)


def _cached_claims(cache_key: tuple[str | None, ...]) -> dict[str, Any] | None:
    claims = _verified.get(cache_key)
    if claims is not None and claims["exp"] <= time.time():
        del _verified[cache_key]
        return None
    return claims


def decode_token(settings: ServiceSettings, token: str, audience: str) -> dict[str, Any]:
    """The verified claims of a token from the local issuer (HS256); 401 for a bad or expired token, 403 for a
    valid token of another audience."""
    key = settings.jwt_secret.get_secret_value()
    cache_key = (token, key, settings.jwt_issuer)
    claims = _cached_claims(cache_key)
    if claims is None:
        claims = _checked(lambda: jwt.decode(token, key, algorithms=["HS256"], issuer=settings.jwt_issuer,
                                             options=_OPTIONS))
        _verified[cache_key] = claims
    return _for_audience(claims, audience)


@dataclass(frozen=True)
class _UserClaims:
    """A staff or partner token's verified claims, and where its issuer puts roles and the agency."""

    claims: dict[str, Any]
    roles_claim: str
    agency_claim: str


_LOCAL = ("roles", "agency")  # where the development issuer (`make token`) puts them


async def decode_user_token(settings: ServiceSettings, token: str, audience: str) -> _UserClaims:
    """The verified claims of a staff or partner token: from the OIDC provider when one is configured (its
    `aud` must name KENTONGAN_OIDC_AUDIENCE), else from the local issuer (`decode_token`, `aud` = `audience`).
    Outside production a `make token` token still counts beside the provider's, for scripts and tests."""
    if settings.oidc_issuer is None or _local_token_allowed(settings, token):
        return _UserClaims(decode_token(settings, token, audience), *_LOCAL)
    cache_key = (token, settings.oidc_issuer, settings.oidc_audience)
    claims = _cached_claims(cache_key)
    if claims is None:
        signing_key = await _provider_key(settings, token)
        claims = _checked(lambda: jwt.decode(token, signing_key, algorithms=PROVIDER_ALGORITHMS,
                                             issuer=settings.oidc_issuer, leeway=LEEWAY_S, options=_OPTIONS))
        _verified[cache_key] = claims
    _for_audience(claims, settings.oidc_audience)
    return _UserClaims(claims, settings.oidc_roles_claim, settings.oidc_agency_claim)


def _local_token_allowed(settings: ServiceSettings, token: str) -> bool:
    """A development token (HS256 from the local issuer) where they are allowed: never in production, where
    every staff and partner identity comes from the provider."""
    if settings.environment == "production":
        return False
    try:
        header = jwt.get_unverified_header(token)
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
    except jwt.InvalidTokenError:
        return False
    return header.get("alg") == "HS256" and issuer == settings.jwt_issuer != settings.oidc_issuer


# A provider's and the services' clocks drift a little: `exp`, `nbf` and `iat` are checked with this leeway.
LEEWAY_S = 30
_OPTIONS: Options = {"verify_aud": False, "require": ["exp", "sub", "aud"]}  # the audience decides 401 or 403 below


def _checked(decode: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return decode()
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token expired") from exc
    except jwt.InvalidTokenError as exc:
        raise Unauthorized("invalid token") from exc


def _for_audience(claims: dict[str, Any], audience: str) -> dict[str, Any]:
    granted = claims.get("aud")
    if audience != granted and not (isinstance(granted, list) and audience in granted):
        raise Forbidden("this token is not valid for this API")
    return claims


# The provider's key set is cached for 5 minutes. A token naming a key id not in the cache (the provider rotated
# its keys) makes the client fetch the set again, at most once a minute: forged key ids cannot turn every
# request into a fetch from the provider, and a rotated key is picked up without a restart.
KEYS_CACHED_S = 300
KEYS_REFETCH_COOLDOWN_S = 60.0
DISCOVERY_TIMEOUT_S = 5.0


@cache
def _jwks_client(url: str, cooldown_s: float) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=KEYS_CACHED_S, timeout=5,
                           cooldown_duration=cooldown_s)


# The JWKS address each issuer's discovery document names (`<issuer>/.well-known/openid-configuration`),
# fetched once per process; KENTONGAN_OIDC_JWKS_URL skips discovery.
_discovered: dict[str, str] = {}


async def _jwks_url(settings: ServiceSettings) -> str:
    issuer = settings.oidc_issuer
    assert issuer is not None  # noqa: S101 # only called with a provider configured
    if settings.oidc_jwks_url:
        return settings.oidc_jwks_url
    if issuer not in _discovered:
        async with httpx.AsyncClient(timeout=DISCOVERY_TIMEOUT_S) as client:
            response = await client.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
            response.raise_for_status()
            document = response.json()
        if document.get("issuer") != issuer or not isinstance(document.get("jwks_uri"), str):
            raise ValueError("the discovery document names another issuer or no jwks_uri")
        _discovered[issuer] = document["jwks_uri"]
    return _discovered[issuer]


async def _provider_key(settings: ServiceSettings, token: str) -> jwt.PyJWK:
    """The provider's published key that signed `token` (PyJWKClient fetches with urllib: off the event loop)."""
    try:
        client = _jwks_client(await _jwks_url(settings), KEYS_REFETCH_COOLDOWN_S)
        return await asyncio.to_thread(client.get_signing_key_from_jwt, token)
    except (jwt.PyJWKClientConnectionError, httpx.HTTPError, ValueError) as exc:
        raise ServiceUnavailable("the identity provider's keys cannot be fetched; retry") from exc
    except (jwt.PyJWKClientError, jwt.DecodeError) as exc:
        raise Unauthorized("invalid token") from exc


def bearer_token(request: Request) -> str:
    """The bearer token from the Authorization header: the only place a token is taken from, but for the
    live stream (`stream_token`). A token in a URL ends up in browser history, proxy logs and Referers."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    raise Unauthorized("missing bearer token")


def stream_token(request: Request) -> str:
    """The bearer token of a server-sent event stream: the header, or the `access_token` query parameter for a
    browser's EventSource, which cannot send headers. The stream ends when that token expires."""
    if "authorization" in request.headers:
        return bearer_token(request)
    token = request.query_params.get("access_token")
    if token:
        return token
    raise Unauthorized("missing bearer token")


def _settings(request: Request) -> ServiceSettings:
    settings: ServiceSettings = request.app.state.settings
    return settings


@documents(security=OPERATOR_JWT, errors=(Unauthorized, Forbidden))
async def current_operator(request: Request) -> Operator:
    return await _operator(request, bearer_token(request))


@documents(security=(OPERATOR_JWT, STREAM_TOKEN), errors=(Unauthorized, Forbidden))
async def streaming_operator(request: Request) -> Operator:
    """The operator of a live stream (token in the header or, for EventSource, the query)."""
    return await _operator(request, stream_token(request))


async def _operator(request: Request, token: str) -> Operator:
    settings = _settings(request)
    user = await decode_user_token(settings, token, OPERATOR)
    if _claim(user.claims, user.agency_claim) is not None:
        raise Forbidden("a partner agency's client cannot use the staff API")
    value = _claim(user.claims, user.roles_claim)
    roles = frozenset(r for r in value if isinstance(r, str)) if isinstance(value, list) else frozenset()
    return Operator(subject=user.claims["sub"], roles=roles, expires_at=float(user.claims["exp"]))


def _claim(claims: dict[str, Any], path: str) -> Any:
    """The value at a dotted claim path ("roles", "realm_access.roles"); None when absent."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def require_role(role: str, authenticate: Callable[[Request], Awaitable[Operator]] = current_operator,
                 ) -> Callable[[Operator], Awaitable[Operator]]:
    """A dependency admitting staff with `role` or above (`authenticate`: how the operator is found)."""

    @documents(errors=(Forbidden,))
    async def dependency(operator: Annotated[Operator, Depends(authenticate)]) -> Operator:
        if not operator.has_role(role):
            raise Forbidden(f"requires the {role} role")
        return operator

    return dependency


@documents(security=PARTNER_JWT, errors=(Unauthorized, Forbidden))
async def current_partner(request: Request) -> Partner:
    user = await decode_user_token(_settings(request), bearer_token(request), PARTNER)
    agency = _claim(user.claims, user.agency_claim)
    if not isinstance(agency, str) or not agency:
        raise Forbidden("this token names no partner agency")
    return Partner(client_id=user.claims["sub"], agency=agency)


CurrentOperator = Annotated[Operator, Depends(require_role("operator"))]
CurrentSupervisor = Annotated[Operator, Depends(require_role("supervisor"))]
CurrentAdmin = Annotated[Operator, Depends(require_role("admin"))]
StreamOperator = Annotated[Operator, Depends(require_role("operator", streaming_operator))]
CurrentPartner = Annotated[Partner, Depends(current_partner)]


def operator_token(settings: ServiceSettings, role: str, subject: str | None = None,
                   ttl: timedelta = timedelta(hours=12)) -> str:
    """A development staff token (the local issuer behind `make token`)."""
    if role not in ROLE_ORDER:
        raise ValueError(f"role must be one of {ROLE_ORDER}")
    return issue_token(settings, subject=subject or f"dev-{role}", audience=OPERATOR, ttl=ttl, roles=[role])


def partner_token(settings: ServiceSettings, agency: str, ttl: timedelta = timedelta(days=30)) -> str:
    """A development partner-agency client token."""
    return issue_token(settings, subject=f"{agency}-client", audience=PARTNER, ttl=ttl, agency=agency)
