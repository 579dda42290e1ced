"""Settings shared by every service, read from the environment (pydantic-settings).

Platform-wide values (database, broker, auth) use plain names such as `DATABASE_URL`; a service's own knobs
use its prefix (`ALARM_GATEWAY_...`). With nothing set, every value points at the embedded development stack
that `make run` starts, so a fresh checkout works without configuration.
"""

import ipaddress
from contextvars import ContextVar
from functools import cached_property
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kentongan.outbound import OutboundPolicy, parse_networks

DEV_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:54320/kentongan"
DEV_KAFKA_BOOTSTRAP = "127.0.0.1:19092"
# The development placeholder, public on purpose: production refuses to start with it.
PLACEHOLDER_SECRET = "dev-only-change-me-kentongan-secret-0000"  # noqa: S105

# Set while `kentongan check` loads settings: it lists every problem at once instead of stopping at the first.
LISTING_PROBLEMS: ContextVar[bool] = ContextVar("listing_problems", default=False)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class ServiceSettings(BaseSettings):
    """Settings every service has; subclass with `env_prefix` for the service's own."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias=_env("KENTONGAN_ENV")
    )
    database_url: str = Field(DEV_DATABASE_URL, validation_alias=_env("DATABASE_URL"))
    database_pool_size: int = Field(10, validation_alias=_env("DATABASE_POOL_SIZE"))
    kafka_bootstrap_servers: str = Field(DEV_KAFKA_BOOTSTRAP, validation_alias=_env("KAFKA_BOOTSTRAP_SERVERS"))
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        "PLAINTEXT", validation_alias=_env("KAFKA_SECURITY_PROTOCOL")
    )
    kafka_sasl_mechanism: str | None = Field(None, validation_alias=_env("KAFKA_SASL_MECHANISM"))
    kafka_sasl_username: str | None = Field(None, validation_alias=_env("KAFKA_SASL_USERNAME"))
    kafka_sasl_password: SecretStr | None = Field(None, validation_alias=_env("KAFKA_SASL_PASSWORD"))
    kafka_ssl_cafile: str | None = Field(None, validation_alias=_env("KAFKA_SSL_CAFILE"))
    # Static group membership: a restarted process with the same id takes its partitions back at once instead
    # of waiting for the old member to time out. Set it per replica (e.g. the pod name); unset = dynamic.
    kafka_group_instance_id: str | None = Field(None, validation_alias=_env("KAFKA_GROUP_INSTANCE_ID"))
    kafka_topic_partitions: int = Field(6, validation_alias=_env("KAFKA_TOPIC_PARTITIONS"))
    kafka_replication_factor: int = Field(1, validation_alias=_env("KAFKA_REPLICATION_FACTOR"))
    # Events are JSON with repeated field names and CloudEvents headers: compressed batches are a third to a
    # quarter of the bytes on the wire and on the broker's disk. (The embedded broker rewrites its whole data
    # file about once a second while written to, so there it also cuts that CPU by as much.)
    kafka_compression: Literal["zstd", "lz4", "gzip", "snappy", "none"] = Field(
        "zstd", validation_alias=_env("KAFKA_COMPRESSION")
    )
    # A consumer holding the same records longer than this (one message retried again and again), or records
    # waiting while it handled none for this long, is stalled: /readyz says so (503) with the reason.
    kafka_consumer_stall_after_s: float = Field(30.0, validation_alias=_env("KAFKA_CONSUMER_STALL_AFTER_S"))
    # False where topics are declared as resources (Strimzi KafkaTopic) and clients may not create them.
    kafka_manage_topics: bool = Field(True, validation_alias=_env("KAFKA_MANAGE_TOPICS"))

    jwt_secret: SecretStr = Field(SecretStr(PLACEHOLDER_SECRET), validation_alias=_env("KENTONGAN_JWT_SECRET"))
    jwt_issuer: str = Field("kentongan-dev", validation_alias=_env("KENTONGAN_JWT_ISSUER"))
    # Staff and partner tokens from an OIDC provider (Keycloak in production; `make run` starts an embedded one).
    # Set the issuer, and only tokens signed with the keys its discovery document publishes count for them, with
    # `aud` naming the audience below; outside production `make token` tokens still count beside them. The JWKS
    # address is discovered unless set. Unset (development only): `make token` signs them all.
    oidc_issuer: str | None = Field(None, validation_alias=_env("KENTONGAN_OIDC_ISSUER"))
    oidc_jwks_url: str | None = Field(None, validation_alias=_env("KENTONGAN_OIDC_JWKS_URL"))
    oidc_audience: str = Field("kentongan", validation_alias=_env("KENTONGAN_OIDC_AUDIENCE"))
    # Where the provider puts a user's roles, dotted for nested claims (Keycloak: "realm_access.roles"), and a
    # partner agency's client-credentials token its agency.
    oidc_roles_claim: str = Field("realm_access.roles", validation_alias=_env("KENTONGAN_OIDC_ROLES_CLAIM"))
    oidc_agency_claim: str = Field("agency", validation_alias=_env("KENTONGAN_OIDC_AGENCY_CLAIM"))
    # The console's public client at the provider (Authorization Code + PKCE).
    oidc_client_id: str = Field("kentongan-console", validation_alias=_env("KENTONGAN_OIDC_CLIENT_ID"))

    # Outbound requests to URLs someone else chose (webhooks, providers, cameras) reach public addresses only
    # (kentongan.outbound). `make run` and tests with local receivers allow loopback and private targets; a
    # deployment names the internal networks it trusts instead (CIDRs, comma-separated).
    outbound_allow_private: bool = Field(False, validation_alias=_env("KENTONGAN_OUTBOUND_ALLOW_PRIVATE"))
    outbound_allowed_networks: str = Field("", validation_alias=_env("KENTONGAN_OUTBOUND_ALLOWED_NETWORKS"))

    log_level: str = Field("INFO", validation_alias=_env("LOG_LEVEL"))
    max_body_bytes: int = Field(64 * 1024, validation_alias=_env("KENTONGAN_MAX_BODY_BYTES"))

    # What helps a developer and informs an attacker, each explicit. Unset: on outside production, off in it
    # (`kentongan up` and the tests' stack turn them on; `kentongan check` flags them in production).
    # The OpenAPI UI and schema (/docs, /redoc, /openapi.json).
    api_docs: bool | None = Field(None, validation_alias=_env("KENTONGAN_API_DOCS"))
    # /metrics for anyone who can reach the port. Not public, it needs `Authorization: Bearer
    # <KENTONGAN_METRICS_TOKEN>` (Prometheus' `authorization.credentials`), and without a token it is off.
    metrics_public: bool | None = Field(None, validation_alias=_env("KENTONGAN_METRICS_PUBLIC"))
    metrics_token: SecretStr | None = Field(None, validation_alias=_env("KENTONGAN_METRICS_TOKEN"))
    # Who may tell us a client's address (X-Forwarded-For): comma-separated addresses or CIDRs of the ingress
    # and load balancers in front of the services. Empty: the connecting peer is the client, whatever it says.
    trusted_proxies: str = Field("", validation_alias=_env("KENTONGAN_TRUSTED_PROXIES"))

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, value: str) -> str:
        try:
            parse_networks(value)
        except ValueError as exc:
            raise ValueError(f"KENTONGAN_TRUSTED_PROXIES: {exc}") from None
        return value

    @cached_property
    def trusted_proxy_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)

    @model_validator(mode="after")
    def _exposure_follows_environment(self) -> "ServiceSettings":
        development = self.environment != "production"
        if self.api_docs is None:
            self.api_docs = development
        if self.metrics_public is None:
            self.metrics_public = development
        return self

    @model_validator(mode="after")
    def _oidc_keys_belong_to_an_issuer(self) -> "ServiceSettings":
        if self.oidc_jwks_url is not None and self.oidc_issuer is None:
            raise ValueError("KENTONGAN_OIDC_JWKS_URL needs KENTONGAN_OIDC_ISSUER")
        return self

    @model_validator(mode="after")
    def _outbound_networks_parse(self) -> "ServiceSettings":
        try:
            parse_networks(self.outbound_allowed_networks)
        except ValueError as exc:
            raise ValueError(f"KENTONGAN_OUTBOUND_ALLOWED_NETWORKS: {exc}") from None
        return self

    def outbound_policy(self) -> OutboundPolicy:
        """Where requests to URLs that partners, admins or providers gave may go."""
        return OutboundPolicy(allow_private=self.outbound_allow_private,
                              allowed_networks=parse_networks(self.outbound_allowed_networks))

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> "ServiceSettings":
        if self.environment == "production" and not LISTING_PROBLEMS.get():
            for name, value in self.secret_values().items():
                if PLACEHOLDER_SECRET in value or value.startswith("dev-only"):
                    raise ValueError(f"{name} still holds a development placeholder; set a real secret")
        return self

    def secret_values(self) -> dict[str, str]:
        """Secrets to check for placeholders; services add theirs."""
        secrets = {"KENTONGAN_JWT_SECRET": self.jwt_secret.get_secret_value()}
        if self.metrics_token is not None:
            secrets["KENTONGAN_METRICS_TOKEN"] = self.metrics_token.get_secret_value()
        return secrets

    def keyrings(self) -> dict[str, str]:
        """Secrets among `secret_values` that are AES keyrings (`kid:base64key,...`), checked key by key."""
        return {}

    def production_problems(self) -> list[str]:
        """What this service's own settings leave unsafe in production, beyond the platform's checks
        (kentongan.checks); each names its setting. Services extend it (super() first)."""
        return []
