"""Authentication and authorisation shared by the services.

Bearer JWTs (PyJWT) with an audience per kind of principal: devices (`kentongan:device`), Command Center
staff (`kentongan:operator`, with roles) and partner agencies (`kentongan:partner`, scoped to one agency).
The gateway signs device tokens with the shared HS256 secret. Staff and partner tokens come from an OIDC
provider when one is configured (KENTONGAN_OIDC_ISSUER / KENTONGAN_OIDC_JWKS_URL: only tokens signed with its
published keys count); otherwise from the local development issuer (`make token`), with the same secret.
"""

import asyncio
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, lru_cache
from typing import Annotated, Any

import jwt
from cachetools import LRUCache
from fastapi import Depends, Request
from jwt.algorithms import HMACAlgorithm
from jwt.types import Options

from kentongan.errors import Forbidden, ServiceUnavailable, Unauthorized
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


async def decode_user_token(settings: ServiceSettings, token: str, audience: str) -> dict[str, Any]:
    """The verified claims of a staff or partner token: from the OIDC provider when one is configured (its
    token's `aud` must name `audience`), else from the local issuer (`decode_token`)."""
    if settings.oidc_jwks_url is None:
        return decode_token(settings, token, audience)
    cache_key = (token, settings.oidc_jwks_url, settings.oidc_issuer)
    claims = _cached_claims(cache_key)
    if claims is None:
        signing_key = await _provider_key(settings.oidc_jwks_url, token)
        claims = _checked(lambda: jwt.decode(token, signing_key, algorithms=PROVIDER_ALGORITHMS,
                                             issuer=settings.oidc_issuer, options=_OPTIONS))
        _verified[cache_key] = claims
    return _for_audience(claims, audience)


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
# its keys) makes the client fetch the set again, at most once per cooldown: forged key ids cannot turn every
# request into a fetch from the provider.
KEYS_CACHED_S = 300
KEYS_REFETCH_COOLDOWN_S = 30


@cache
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=KEYS_CACHED_S, timeout=5,
                           cooldown_duration=KEYS_REFETCH_COOLDOWN_S)


async def _provider_key(jwks_url: str, token: str) -> jwt.PyJWK:
    """The provider's published key that signed `token` (PyJWKClient fetches with urllib: off the event loop)."""
    try:
        return await asyncio.to_thread(_jwks_client(jwks_url).get_signing_key_from_jwt, token)
    except jwt.PyJWKClientConnectionError as exc:
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


async def current_operator(request: Request) -> Operator:
    return await _operator(request, bearer_token(request))


async def streaming_operator(request: Request) -> Operator:
    """The operator of a live stream (token in the header or, for EventSource, the query)."""
    return await _operator(request, stream_token(request))


async def _operator(request: Request, token: str) -> Operator:
    settings = _settings(request)
    claims = await decode_user_token(settings, token, OPERATOR)
    roles_claim = settings.oidc_roles_claim if settings.oidc_jwks_url else "roles"  # where the local issuer puts them
    return Operator(subject=claims["sub"], roles=_roles(claims, roles_claim), expires_at=float(claims["exp"]))


def _roles(claims: dict[str, Any], path: str) -> frozenset[str]:
    """The roles found at a dotted claim path ("roles", "realm_access.roles"); none when absent."""
    value: Any = claims
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return frozenset(r for r in value if isinstance(r, str)) if isinstance(value, list) else frozenset()


def require_role(role: str, authenticate: Callable[[Request], Awaitable[Operator]] = current_operator,
                 ) -> Callable[[Operator], Awaitable[Operator]]:
    """A dependency admitting staff with `role` or above (`authenticate`: how the operator is found)."""

    async def dependency(operator: Annotated[Operator, Depends(authenticate)]) -> Operator:
        if not operator.has_role(role):
            raise Forbidden(f"requires the {role} role")
        return operator

    return dependency


async def current_partner(request: Request) -> Partner:
    claims = await decode_user_token(_settings(request), bearer_token(request), PARTNER)
    agency = claims.get("agency")
    if not agency:
        raise Unauthorized("partner token without agency")
    return Partner(client_id=claims["sub"], agency=agency)


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
