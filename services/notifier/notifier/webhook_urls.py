"""Webhook targets (partners' subscriptions, representatives' contacts): the platform's outbound policy, and
https only in production (a signed body and a victim's case must not cross the network in clear)."""

from kentongan.outbound import OutboundPolicy, UnsafeUrl, check_url_resolved
from notifier.settings import Settings


def webhook_policy(settings: Settings) -> OutboundPolicy:
    """Where webhooks may be stored and sent: `kentongan.outbound`'s policy, https only in production."""
    policy = settings.outbound_policy()
    return policy.with_schemes("https") if settings.environment == "production" else policy


async def check_webhook_url(url: str, field: str, settings: Settings) -> None:
    """UnsafeUrl (422 naming `field`) unless `url` and every address its host has now may be called."""
    await check_url_resolved(url, field, webhook_policy(settings))


async def webhook_url_problem(url: str, settings: Settings) -> str | None:
    """Why `url` may not be a webhook target, or None (for callers that collect problems)."""
    try:
        await check_webhook_url(url, "url", settings)
    except UnsafeUrl as refused:
        return refused.message
    return None
