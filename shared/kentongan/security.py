"""Authentication and authorisation shared by the services.

Bearer JWTs (PyJWT) with an audience per kind of principal: devices (`kentongan:device`), Command Center
staff (`kentongan:operator`, with roles) and partner agencies (`kentongan:partner`, scoped to one agency).
Development signs with a shared HS256 secret; production can verify staff tokens from an OIDC issuer's JWKS.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from cachetools import TLRUCache
from fastapi import Depends, Request

from kentongan.errors import Forbidden, Unauthorized
from kentongan.settings import ServiceSettings

DEVICE = "kentongan:device"
OPERATOR = "kentongan:operator"
PARTNER = "kentongan:partner"

# Each role includes the ones before it.
ROLE_ORDER = ("operator", "supervisor", "admin")


@dataclass(frozen=True)
class Operator:
    """A signed-in Command Center user."""

    subject: str
    roles: frozenset[str]

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


# Tokens that verified, by their exact text (and the key and issuer they verified against), each kept no
# longer than its own `exp`: a device presents the same token on every call, and checking its signature again
# each time was ~5% of the gateway's CPU. A failure is never cached. (Revoking tokens would have to evict here.)
_verified: TLRUCache = TLRUCache(maxsize=100_000, ttu=lambda _key, claims, _now: claims["exp"], timer=time.time)


def decode_token(settings: ServiceSettings, token: str, audience: str) -> dict[str, Any]:
    """The verified claims; 401 for a bad or expired token, 403 for a valid token of another audience."""
    key = settings.jwt_secret.get_secret_value()
    cache_key = (token, key, settings.jwt_issuer)
    claims = _verified.get(cache_key)
    if claims is None:
        try:
            claims = jwt.decode(token, key, algorithms=["HS256"], issuer=settings.jwt_issuer,
                                options={"verify_aud": False, "require": ["exp", "sub", "aud"]})
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized("invalid token") from exc
        _verified[cache_key] = claims
    if claims.get("aud") != audience:
        raise Forbidden("this token is not valid for this API")
    return claims


def bearer_token(request: Request) -> str:
    """The bearer token from the Authorization header (or `access_token` query, for EventSource)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    token = request.query_params.get("access_token")
    if token:
        return token
    raise Unauthorized("missing bearer token")


def _settings(request: Request) -> ServiceSettings:
    return request.app.state.settings


async def current_operator(request: Request) -> Operator:
    claims = decode_token(_settings(request), bearer_token(request), OPERATOR)
    return Operator(subject=claims["sub"], roles=frozenset(claims.get("roles", [])))


def require_role(role: str):
    """A dependency admitting staff with `role` or above."""

    async def dependency(operator: Annotated[Operator, Depends(current_operator)]) -> Operator:
        if not operator.has_role(role):
            raise Forbidden(f"requires the {role} role")
        return operator

    return dependency


async def current_partner(request: Request) -> Partner:
    claims = decode_token(_settings(request), bearer_token(request), PARTNER)
    agency = claims.get("agency")
    if not agency:
        raise Unauthorized("partner token without agency")
    return Partner(client_id=claims["sub"], agency=agency)


CurrentOperator = Annotated[Operator, Depends(require_role("operator"))]
CurrentSupervisor = Annotated[Operator, Depends(require_role("supervisor"))]
CurrentAdmin = Annotated[Operator, Depends(require_role("admin"))]
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
