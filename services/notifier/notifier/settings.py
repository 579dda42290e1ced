"""notifier settings (`NOTIFIER_*` on top of the platform's shared ones)."""

import json

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from kentongan.bus_crypto import BusSealingSettings
from kentongan.crypto import SealingSettings, development_keys
from kentongan.outbound import host_problem, url_problem


class Settings(SealingSettings, BusSealingSettings):
    """Its own keyring seals what it keeps at rest; the bus keyring (shared with report-intake) opens the
    sealed fields of the events it consumes."""

    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore", populate_by_name=True)

    # Provider endpoints; a channel without one goes to the development inbox when that is on, else fails.
    # A generic HTTP SMS gateway (Indonesian aggregators): the request body is `sms_request_template` (JSON with
    # "{to}", "{text}", "{reference}" placeholders), the provider's message id is read from the answer at the
    # dotted `sms_message_id_field`; its receipts (`POST /v1/receipts/sms-gateway?token=`) name the message at
    # `sms_receipt_id_field`, its status at `sms_receipt_status_field`, mapped by `sms_receipt_statuses`.
    sms_url: str | None = None
    sms_api_key: str | None = None
    sms_request_template: str = '{"to": "{to}", "message": "{text}", "reference": "{reference}"}'
    sms_message_id_field: str | None = None
    sms_receipt_id_field: str = "reference"
    sms_receipt_status_field: str = "status"
    sms_receipt_statuses: dict[str, str] = Field(default_factory=lambda: {
        "DELIVRD": "delivered", "delivered": "delivered", "sent": "sent", "UNDELIV": "failed", "REJECTD": "failed",
        "EXPIRED": "failed", "failed": "failed"})
    sms_receipt_token: SecretStr | None = None
    # A Twilio-compatible Messages API (takes the SMS channel when set): account, auth token, sender.
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    # The generic FCM-style push URL with a static key (FCM HTTP v1 below replaces it when configured).
    push_url: str | None = None
    push_api_key: str | None = None
    # FCM HTTP v1: a service account's JSON key (its project is the default project).
    fcm_service_account_json: SecretStr | None = None
    fcm_project_id: str | None = None
    fcm_api_url: str = "https://fcm.googleapis.com"
    # WhatsApp Business Cloud API: template messages from this phone number id; `app_secret` verifies the
    # status webhooks' X-Hub-Signature-256, `verify_token` answers the subscription handshake.
    whatsapp_api_url: str = "https://graph.facebook.com/v21.0"
    whatsapp_phone_number_id: str | None = None
    whatsapp_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    # Email (agencies, supervisors): SMTP with STARTTLS.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "kentongan@localhost"
    smtp_ca_file: str | None = None  # a private CA to trust (otherwise the system's)
    # Where providers reach this notifier (Twilio's StatusCallback), e.g. https://notifier.example.go.id.
    public_url: str | None = None
    # An urgent RT alert not confirmed delivered after this long goes to the recipient's next channel.
    fallback_after_s: float = 60.0
    # The development inbox (GET /v1/dev/outbox, admins only): takes every message without a provider and
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
        return {"NOTIFIER_SMS_URL": self.sms_url, "NOTIFIER_PUSH_URL": self.push_url,
                "NOTIFIER_TWILIO_API_URL": self.twilio_api_url, "NOTIFIER_FCM_API_URL": self.fcm_api_url,
                "NOTIFIER_WHATSAPP_API_URL": self.whatsapp_api_url}

    @model_validator(mode="after")
    def _providers_pass_the_outbound_policy(self) -> "Settings":
        # A provider on an internal network is named in KENTONGAN_OUTBOUND_ALLOWED_NETWORKS; a host name is
        # judged again, resolved, at every connection.
        for name, url in self.provider_urls().items():
            problem = url and url_problem(url, self.outbound_policy())
            if problem:
                raise ValueError(f"{name}: {problem}")
        if self.smtp_host:
            problem = host_problem(self.smtp_host, self.outbound_policy())
            if problem:
                raise ValueError(f"NOTIFIER_SMTP_HOST: {problem}")
        return self

    def whatsapp_configured(self) -> bool:
        return bool(self.whatsapp_phone_number_id and self.whatsapp_token)

    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token
                    and (self.twilio_from or self.twilio_messaging_service_sid))

    def fcm_configured(self) -> bool:
        return self.fcm_service_account_json is not None

    def email_configured(self) -> bool:
        return self.smtp_host is not None

    def secret_values(self) -> dict[str, str]:
        values = super().secret_values()
        for name in ("whatsapp_token", "whatsapp_app_secret", "twilio_auth_token", "sms_receipt_token"):
            secret = getattr(self, name)
            if secret is not None:
                values[f"NOTIFIER_{name.upper()}"] = secret.get_secret_value()
        return values

    @model_validator(mode="after")
    def _fcm_key_is_json(self) -> "Settings":
        if self.fcm_service_account_json is not None:
            try:
                json.loads(self.fcm_service_account_json.get_secret_value())
            except ValueError as exc:
                raise ValueError("NOTIFIER_FCM_SERVICE_ACCOUNT_JSON must be a service account's JSON key") from exc
        return self

    @model_validator(mode="after")
    def _dev_inbox_follows_environment(self) -> "Settings":
        if self.dev_inbox is None:
            self.dev_inbox = self.environment != "production"
        return self

    def sms_providers(self) -> dict[str, bool]:
        """Every provider that can carry a text message to a reporter or a representative, by its setting:
        production needs at least one."""
        return {"NOTIFIER_WHATSAPP_PHONE_NUMBER_ID and NOTIFIER_WHATSAPP_TOKEN": self.whatsapp_configured(),
                "NOTIFIER_TWILIO_ACCOUNT_SID, NOTIFIER_TWILIO_AUTH_TOKEN and NOTIFIER_TWILIO_FROM":
                    self.twilio_configured(),
                "NOTIFIER_SMS_URL": bool(self.sms_url)}

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.dev_inbox:
            problems.append("NOTIFIER_DEV_INBOX: the development inbox keeps every message and phone number "
                            "for admins to read instead of sending it; set it false")
        if not any(self.sms_providers().values()):
            problems.append(f"{' or '.join(self.sms_providers())}: no SMS provider; reporters and "
                            "representatives would get nothing")
        if not (self.push_url or self.fcm_configured()):
            problems.append("NOTIFIER_FCM_SERVICE_ACCOUNT_JSON (or NOTIFIER_PUSH_URL): no push provider; callers "
                            "would get no updates")
        if self.whatsapp_configured() and not self.whatsapp_app_secret:
            problems.append("NOTIFIER_WHATSAPP_APP_SECRET is needed to verify WhatsApp status webhooks")
        return problems

    @model_validator(mode="after")
    def _claims_outlive_requests(self) -> "Settings":
        if self.interrupted_after_s < self.request_timeout_s + 1:
            raise ValueError("NOTIFIER_INTERRUPTED_AFTER_S must exceed NOTIFIER_REQUEST_TIMEOUT_S by 1 s or more, "
                             "or a slow send could be marked interrupted while it is still running")
        return self
