"""Which transport carries each channel, from the settings: a provider URL, else the development inbox."""

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from notifier.channels.base import Channel
from notifier.channels.dev_inbox import DevInboxChannel
from notifier.channels.http import PushChannel, SmsGatewayChannel, WebhookChannel
from notifier.settings import Settings


def build_channels(settings: Settings, client: httpx.AsyncClient,
                   sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Channel]:
    """channel name -> transport."""
    dev_inbox = DevInboxChannel(sessionmaker)
    return {
        "webhook": WebhookChannel(client),
        "sms": SmsGatewayChannel(client, settings.sms_url, settings.sms_api_key) if settings.sms_url else dev_inbox,
        "push": PushChannel(client, settings.push_url, settings.push_api_key) if settings.push_url else dev_inbox,
        "dev": dev_inbox,
    }
