"""Channels that deliver over HTTP with aiohttp: partner webhooks (Standard Webhooks), SMS and push gateways."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import aiohttp
import orjson
from standardwebhooks.webhooks import Webhook

from notifier.channels.base import Outgoing, SendResult


@asynccontextmanager
async def http_session(concurrency: int, timeout_s: float) -> AsyncIterator[aiohttp.ClientSession]:
    """One pooled session for every channel. The worker caps requests per host; no cookies are kept, so
    one partner's endpoint can never hand something to the next request."""
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=0),
        timeout=aiohttp.ClientTimeout(total=timeout_s, connect=min(5.0, timeout_s)),
        cookie_jar=aiohttp.DummyCookieJar(),
    ) as session:
        yield session


def webhook_id(message: Outgoing) -> str:
    """The Standard Webhooks message id: the same on every attempt, so a receiver can drop repeats."""
    return f"msg_{message.delivery_id.hex}"


async def _post(session: aiohttp.ClientSession, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    # Redirects are not followed (a partner URL was checked, its redirect target was not). The body is
    # not read: the status is the answer, and a body still arriving just closes that connection.
    try:
        async with session.post(url, data=body, headers={"content-type": "application/json", **headers},
                                allow_redirects=False) as response:
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return SendResult(False, None, f"{type(exc).__name__}: {exc}"[:1000])
    if 200 <= status < 300:
        return SendResult(True, status)
    return SendResult(False, status, f"HTTP {status}")


class WebhookChannel:
    """POSTs the payload to the target URL, signed with the subscription's secret when it has one."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def send(self, message: Outgoing) -> SendResult:
        body = orjson.dumps(message.payload)
        headers = {"webhook-id": webhook_id(message)}
        if message.secret:
            now = datetime.now(UTC)
            headers["webhook-timestamp"] = str(int(now.timestamp()))
            headers["webhook-signature"] = Webhook(message.secret).sign(headers["webhook-id"], now, body.decode())
        return await _post(self._session, message.target, body, headers)


class SmsGatewayChannel:
    """An SMS provider's HTTP API: `{"to", "message", "reference"}` to the configured URL."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str | None) -> None:
        self._session, self._url = session, url
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}

    async def send(self, message: Outgoing) -> SendResult:
        text = f"{message.payload.get('title', '')}\n{message.payload.get('body', '')}".strip()
        body = orjson.dumps({"to": message.target, "message": text, "reference": str(message.delivery_id)})
        return await _post(self._session, self._url, body, self._headers)


class PushChannel:
    """An FCM-style HTTP push API: `{"message": {"token", "notification"?, "data"}}` to the configured URL."""

    def __init__(self, session: aiohttp.ClientSession, url: str, api_key: str | None) -> None:
        self._session, self._url = session, url
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}

    async def send(self, message: Outgoing) -> SendResult:
        push: dict = {"token": message.target, "data": {k: str(v) for k, v in message.payload.get("data", {}).items()}}
        if message.payload.get("title"):  # silent alarms get data-only pushes: nothing on the lock screen
            push["notification"] = {"title": message.payload["title"], "body": message.payload.get("body", "")}
        return await _post(self._session, self._url, orjson.dumps({"message": push}), self._headers)
