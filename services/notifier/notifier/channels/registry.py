"""Which transport carries each channel, from the settings: a configured provider, else the development inbox
when it is on, else nothing (a delivery on that channel fails and is retried until a provider is configured)."""

import json

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kentongan.crypto import Keyring
from kentongan.outbound import OutboundClient
from notifier.channels.base import Channel, Outgoing, SendResult
from notifier.channels.dev_inbox import DevInboxChannel
from notifier.channels.email import EmailChannel
from notifier.channels.fcm import FcmChannel, ServiceAccountTokens
from notifier.channels.http import PushChannel, WebhookChannel
from notifier.channels.sms import GatewaySmsChannel, TwilioSmsChannel
from notifier.channels.whatsapp import WhatsAppChannel
from notifier.settings import Settings

TWILIO_RECEIPTS_PATH = "/v1/receipts/twilio"


def _secret(value) -> str:
    return value.get_secret_value() if value is not None else ""


def _sms(settings: Settings, client: OutboundClient, fallback: Channel) -> Channel:
    if settings.twilio_configured():
        callback = f"{settings.public_url.rstrip('/')}{TWILIO_RECEIPTS_PATH}" if settings.public_url else None
        return TwilioSmsChannel(client, api_url=settings.twilio_api_url, account_sid=settings.twilio_account_sid or "",
                                auth_token=_secret(settings.twilio_auth_token), sender=settings.twilio_from,
                                messaging_service_sid=settings.twilio_messaging_service_sid,
                                status_callback=callback)
    if settings.sms_url:
        return GatewaySmsChannel(client, settings.sms_url, settings.sms_api_key, settings.sms_request_template,
                                 settings.sms_message_id_field, receipts=settings.sms_receipt_token is not None)
    return fallback


def _push(settings: Settings, client: OutboundClient, fallback: Channel) -> Channel:
    if settings.fcm_configured():
        info = json.loads(_secret(settings.fcm_service_account_json))
        return FcmChannel(client, ServiceAccountTokens(client, info), settings.fcm_api_url,
                          settings.fcm_project_id or info["project_id"])
    if settings.push_url:
        return PushChannel(client, settings.push_url, settings.push_api_key)
    return fallback


def build_channels(settings: Settings, webhook_client: OutboundClient, provider_client: OutboundClient,
                   sessionmaker: async_sessionmaker[AsyncSession], keyring: Keyring) -> dict[str, Channel]:
    """channel name -> transport. Webhooks (partners' and representatives' URLs) and the providers the
    platform is configured with (WhatsApp, SMS, push; possibly on an internal network) use separate clients,
    both made by `kentongan.outbound.outbound_client`, which judges every request's URL, provider base URLs
    and the FCM token endpoint included, against the outbound policy. Email speaks SMTP to the one
    configured server."""
    fallback: Channel = DevInboxChannel(sessionmaker, keyring) if settings.dev_inbox else NoProvider()
    whatsapp: Channel = fallback
    if settings.whatsapp_configured():
        whatsapp = WhatsAppChannel(provider_client, settings.whatsapp_api_url, settings.whatsapp_phone_number_id or "",
                                   _secret(settings.whatsapp_token))
    email: Channel = fallback
    if settings.email_configured():
        email = EmailChannel(host=settings.smtp_host or "", port=settings.smtp_port, sender=settings.smtp_from,
                             username=settings.smtp_username, password=_secret(settings.smtp_password) or None,
                             ca_file=settings.smtp_ca_file, timeout_s=settings.request_timeout_s)
    return {
        "webhook": WebhookChannel(webhook_client),
        "whatsapp": whatsapp,
        "sms": _sms(settings, provider_client, fallback),
        "push": _push(settings, provider_client, fallback),
        "email": email,
        "dev": fallback,
    }


class NoProvider:
    """A channel nothing is configured for: never silently stored somewhere readable instead."""

    async def send(self, message: Outgoing) -> SendResult:
        return SendResult(False, error=f"no provider configured for {message.channel}")
