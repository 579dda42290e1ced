"""Which transport carries each channel, from the settings: a provider URL, else the development inbox when it
is on, else nothing (a delivery on that channel fails and is retried until a provider is configured)."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kentongan.crypto import Keyring
from notifier.channels.base import Channel, Outgoing, SendResult
from notifier.channels.dev_inbox import DevInboxChannel
from notifier.channels.http import PushChannel, SmsGatewayChannel, WebhookChannel
from notifier.settings import Settings


def build_channels(settings: Settings, webhook_client: httpx.AsyncClient, provider_client: httpx.AsyncClient,
                   sessionmaker: async_sessionmaker[AsyncSession], keyring: Keyring) -> dict[str, Channel]:
    """channel name -> transport. Webhooks (partners' and representatives' URLs) and the providers the
    platform is configured with (SMS, push; possibly on an internal network) use separate clients."""
    fallback: Channel = DevInboxChannel(sessionmaker, keyring) if settings.dev_inbox else NoProvider()
    sms, push = settings.sms_url, settings.push_url
    return {
        "webhook": WebhookChannel(webhook_client),
        "sms": SmsGatewayChannel(provider_client, sms, settings.sms_api_key) if sms else fallback,
        "push": PushChannel(provider_client, push, settings.push_api_key) if push else fallback,
        "dev": fallback,
    }


class NoProvider:
    """A channel nothing is configured for: never silently stored somewhere readable instead."""

    async def send(self, message: Outgoing) -> SendResult:
        return SendResult(False, error=f"no provider configured for {message.channel}")
