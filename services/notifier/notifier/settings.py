"""notifier settings (`NOTIFIER_*` on top of the platform's shared ones)."""

from pydantic import SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from kentongan.bus_crypto import BusSealingSettings
from kentongan.crypto import SealingSettings, development_keys
from kentongan.outbound import url_problem


class Settings(SealingSettings, BusSealingSettings):
    """Its own keyring seals what it keeps at rest; the bus keyring (shared with report-intake) opens the
    sealed fields of the events it consumes."""

    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore", populate_by_name=True)

    # Provider endpoints; a channel without one goes to the development inbox when that is on, else fails.
    sms_url: str | None = None
    sms_api_key: str | None = None
    push_url: str | None = None
    push_api_key: str | None = None
    # The development inbox (GET /v1/dev/outbox, admins only): takes every SMS and push without a provider and
    # keeps them (sealed) for an admin to read, phone numbers included. Unset: on outside production, off in it
    # (`kentongan check` refuses it there).
    dev_inbox: bool | None = None

    # Keyring for what notifier keeps sealed at rest (a reporter's phone, a partner webhook's payload, until
    # the delivery is final), as
    # `kid:base64(32-byte key),kid2:...`; the default is a development-only key, which production refuses.
    encryption_keys: SecretStr = development_keys("notifier")

    # The Kafka consumer group of the notifier's replicas.
    consumer_group: str = "notifier"

    # Who hears a broadcast: RTs whose centroid is within this radius (the incident's RT always does).
    broadcast_radius_m: float = 600.0
    # The incident's own RT is the nearest centroid, if it is no farther than this.
    home_rt_max_m: float = 3000.0

    # Delivery workers: requests in flight overall and per webhook host (the SMS and push providers may use
    # the whole pool), and each request's timeout.
    delivery_concurrency: int = 128
    max_in_flight_per_host: int = 16
    request_timeout_s: float = 10.0
    # A claim older than this belongs to a worker that died mid-send: it is marked `interrupted`, not resent.
    interrupted_after_s: float = 30.0
    poll_interval_s: float = 0.5
    # Retries: exponential backoff with full jitter from `backoff_base_s` up to `backoff_max_s`,
    # for `retry_window_s` after the delivery was created, then dead-lettered.
    backoff_base_s: float = 5.0
    backoff_max_s: float = 3600.0
    retry_window_s: float = 26 * 3600.0

    def provider_urls(self) -> dict[str, str | None]:
        """Every provider endpoint by its setting's name: each must pass the outbound policy."""
        return {"NOTIFIER_SMS_URL": self.sms_url, "NOTIFIER_PUSH_URL": self.push_url}

    @model_validator(mode="after")
    def _providers_pass_the_outbound_policy(self) -> "Settings":
        # A provider on an internal network is named in KENTONGAN_OUTBOUND_ALLOWED_NETWORKS; a host name is
        # judged again, resolved, at every connection.
        for name, url in self.provider_urls().items():
            problem = url and url_problem(url, self.outbound_policy())
            if problem:
                raise ValueError(f"{name}: {problem}")
        return self

    @model_validator(mode="after")
    def _dev_inbox_follows_environment(self) -> "Settings":
        if self.dev_inbox is None:
            self.dev_inbox = self.environment != "production"
        return self

    def sms_providers(self) -> dict[str, str | None]:
        """Every provider that can carry a text message to a reporter or a representative, by its setting
        (a new channel such as WhatsApp adds its own): production needs at least one."""
        return {"NOTIFIER_SMS_URL": self.sms_url}

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.dev_inbox:
            problems.append("NOTIFIER_DEV_INBOX: the development inbox keeps every message and phone number "
                            "for admins to read instead of sending it; set it false")
        if not any(self.sms_providers().values()):
            problems.append(f"{' or '.join(self.sms_providers())}: no SMS provider; reporters and "
                            "representatives would get nothing")
        if not self.push_url:
            problems.append("NOTIFIER_PUSH_URL: no push provider; callers would get no updates")
        return problems

    @model_validator(mode="after")
    def _claims_outlive_requests(self) -> "Settings":
        if self.interrupted_after_s < self.request_timeout_s + 1:
            raise ValueError("NOTIFIER_INTERRUPTED_AFTER_S must exceed NOTIFIER_REQUEST_TIMEOUT_S by 1 s or more, "
                             "or a slow send could be marked interrupted while it is still running")
        return self
