"""Fail closed in production: the one list of what a service's settings leave unsafe.

`kentongan check` prints it for every installed service, and every service refuses to start in production
while it is not empty (`refuse_weak_production`, called by the common app factory). Each problem names the
setting to change. What is checked, and why:
- secrets: long enough, with enough entropy, and no development value, recognised by value (a development
  key listed under another key id is still the development key);
- exposure: the OpenAPI UI and unauthenticated metrics are off (they map the attack surface for anyone);
- networks: outbound requests may not reach private targets (SSRF), forwarded client addresses are not
  trusted from everyone (rate limits);
- infrastructure: the database and broker are not the development defaults;
- sign-in: staff and partner tokens come from an OIDC provider (KENTONGAN_OIDC_ISSUER); development tokens
  (`make token`) are refused in production whatever is set (kentongan.security);
- each service's own (`ServiceSettings.production_problems`): e.g. notifier's providers and development inbox.
"""

import logging
import math
from collections import Counter
from importlib import import_module
from typing import TYPE_CHECKING

from pydantic import ValidationError

from kentongan.crypto import is_development_key, parse_keys
from kentongan.settings import (
    DEV_DATABASE_URL,
    DEV_KAFKA_BOOTSTRAP,
    LISTING_PROBLEMS,
    PLACEHOLDER_SECRET,
    ServiceSettings,
)

if TYPE_CHECKING:
    from kentongan.service import ServiceSpec

log = logging.getLogger(__name__)

# HS256 wants a key as long as its hash (RFC 7518 3.2: 256 bits); 32 random characters of base64 come close.
MIN_SECRET_CHARS = 32
# Estimated from the characters' frequencies: a random 32-character secret scores ~150-190 bits, a repeated
# word or a short alphabet far less. (An estimate only ever over-rates a secret made of guessable words.)
MIN_SECRET_BITS = 128
PLACEHOLDER_WORDS = ("dev-only", "change-me", "changeme", "placeholder", PLACEHOLDER_SECRET)
GENERATE_HINT = "generate one, e.g. `openssl rand -base64 48`"


class WeakProductionSettings(RuntimeError):
    """Production settings that must not run; the message lists every problem."""

    def __init__(self, service: str, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{service} refuses to start in production with these settings:\n{listed}")


def production_problems(settings: ServiceSettings) -> list[str]:
    """Everything that would make these settings unsafe in production, each naming its setting."""
    return [*_secret_problems(settings), *_exposure_problems(settings), *_network_problems(settings),
            *_infrastructure_problems(settings), *_sign_in_problems(settings), *settings.production_problems()]


def settings_problems(spec: "ServiceSpec") -> list[str]:
    """The problems of a service's settings as the environment sets them (`kentongan check`): settings that
    do not even load are problems too, each naming its setting."""
    settings_class = import_module(spec.settings_module).Settings
    token = LISTING_PROBLEMS.set(True)
    try:
        settings = settings_class()
    except ValidationError as exc:
        return [f"{_setting_name(settings_class, error['loc'])}: {error['msg']}" for error in exc.errors()]
    finally:
        LISTING_PROBLEMS.reset(token)
    return production_problems(settings)


def _setting_name(settings_class: type[ServiceSettings], loc: tuple[int | str, ...]) -> str:
    """The environment variable of a field a validation error is about (or the model's own name)."""
    field = settings_class.model_fields.get(str(loc[0])) if loc else None
    if field is None:
        return settings_class.__module__.split(".")[0]
    alias = field.validation_alias
    if alias is not None and hasattr(alias, "choices"):
        return str(alias.choices[0])
    prefix = settings_class.model_config.get("env_prefix", "")
    return f"{prefix}{loc[0]}".upper()


def refuse_weak_production(settings: ServiceSettings, service: str) -> None:
    """Raise WeakProductionSettings (after logging it) when production settings have any problem."""
    if settings.environment != "production":
        return
    problems = production_problems(settings)
    if problems:
        error = WeakProductionSettings(service, problems)
        log.critical("%s", error)
        raise error


def estimated_entropy_bits(value: str | bytes) -> float:
    """Length times the Shannon entropy of the value's own symbol frequencies."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(count * math.log2(count / len(value)) for count in counts.values())


def _secret_problems(settings: ServiceSettings) -> list[str]:
    keyrings = settings.keyrings()
    problems = []
    for name, value in settings.secret_values().items():
        if name in keyrings:
            problems += _keyring_problems(name, value)
        else:
            problems += _text_secret_problems(name, value)
    return problems


def _text_secret_problems(name: str, value: str) -> list[str]:
    if any(word in value.lower() for word in PLACEHOLDER_WORDS):
        return [f"{name}: still holds a development placeholder; {GENERATE_HINT}"]
    if len(value) < MIN_SECRET_CHARS:
        return [f"{name}: {len(value)} characters is too short (at least {MIN_SECRET_CHARS}); "
                f"{GENERATE_HINT}"]
    bits = estimated_entropy_bits(value)
    if bits < MIN_SECRET_BITS:
        return [f"{name}: too little entropy (about {bits:.0f} bits, at least {MIN_SECRET_BITS}); "
                f"{GENERATE_HINT}"]
    return []


def _keyring_problems(name: str, value: str) -> list[str]:
    try:
        keys = parse_keys(value, name)
    except ValueError as exc:
        return [f"{name}: {exc}"]
    problems = []
    for kid, key in keys.items():
        if is_development_key(key) or kid.startswith("dev-only"):
            problems.append(f"{name}: key {kid!r} is a development key (recognised by its value); "
                            "generate one with `openssl rand -base64 32`")
        elif estimated_entropy_bits(key) < MIN_SECRET_BITS:
            bits = estimated_entropy_bits(key)
            problems.append(f"{name}: key {kid!r} is not random (about {bits:.0f} bits); "
                            "generate one with `openssl rand -base64 32`")
    return problems


def _exposure_problems(settings: ServiceSettings) -> list[str]:
    problems = []
    if settings.api_docs:
        problems.append("KENTONGAN_API_DOCS: /docs, /redoc and /openapi.json are on; "
                        "set it false in production")
    if settings.metrics_public:
        problems.append("KENTONGAN_METRICS_PUBLIC: /metrics answers anyone; set it false and give Prometheus "
                        "KENTONGAN_METRICS_TOKEN")
    return problems


def _network_problems(settings: ServiceSettings) -> list[str]:
    problems = []
    if settings.outbound_allow_private:
        problems.append("KENTONGAN_OUTBOUND_ALLOW_PRIVATE: outbound requests may reach private, loopback and "
                        "metadata addresses (SSRF); set it false in production")
    if any(network.prefixlen == 0 for network in settings.trusted_proxy_networks):
        problems.append("KENTONGAN_TRUSTED_PROXIES: trusts X-Forwarded-For from every address; list only the "
                        "ingress and load balancers")
    return problems


def _sign_in_problems(settings: ServiceSettings) -> list[str]:
    if settings.oidc_issuer is None:
        return ["KENTONGAN_OIDC_ISSUER: missing (staff and partners sign in through the OIDC provider in "
                "production; development tokens are refused)"]
    if not settings.oidc_issuer.startswith("https://"):
        return ["KENTONGAN_OIDC_ISSUER: not https (tokens and keys must come from the provider over TLS)"]
    return []


def _infrastructure_problems(settings: ServiceSettings) -> list[str]:
    problems = []
    if settings.database_url == DEV_DATABASE_URL:
        problems.append("DATABASE_URL: missing (the development database's address)")
    if settings.kafka_bootstrap_servers == DEV_KAFKA_BOOTSTRAP:
        problems.append("KAFKA_BOOTSTRAP_SERVERS: missing (the development broker's address)")
    return problems
