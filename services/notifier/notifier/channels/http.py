"""Channels that deliver over HTTP with httpx: partner webhooks (Standard Webhooks), SMS and push gateways."""

from datetime import UTC, datetime

import aiohttp
import httpx
import orjson
from standardwebhooks.webhooks import Webhook

from notifier.channels.base import Outgoing, SendResult


def webhook_id(message: Outgoing) -> str:
    """The Standard Webhooks message id: the same on every attempt, so a receiver can drop repeats."""
    return f"msg_{message.delivery_id.hex}"


async def _post(client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    # Redirects are not followed (a partner URL was checked, its redirect target was not). The body is
    # not read: the status is the answer, and a body still arriving just closes that connection.
    try:
        async with client.stream("POST", url, content=body,
                                 headers={"content-type": "application/json", **headers}) as response:
            status = response.status_code
    except (httpx.HTTPError, aiohttp.ClientError, TimeoutError) as exc:
        return SendResult(False, None, f"{type(exc).__name__}: {exc}"[:1000])
    if 200 <= status < 300:
        return SendResult(True, status)
    return SendResult(False, status, f"HTTP {status}")


class WebhookChannel:
    """POSTs the payload to the target URL, signed with the subscription's secret when it has one."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def send(self, message: Outgoing) -> SendResult:
        body = orjson.dumps(message.payload)
        headers = {"webhook-id": webhook_id(message)}
        if message.secret:
            now = datetime.now(UTC)
            headers["webhook-timestamp"] = str(int(now.timestamp()))
            headers["webhook-signature"] = Webhook(message.secret).sign(headers["webhook-id"], now, body.decode())
        return await _post(self._client, message.target, body, headers)


class SmsGatewayChannel:
    """An SMS provider's HTTP API: `{"to", "message", "reference"}` to the configured URL."""

    def __init__(self, client: httpx.AsyncClient, url: str, api_key: str | None) -> None:
        self._client, self._url = client, url
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}

    async def send(self, message: Outgoing) -> SendResult:
        text = f"{message.payload.get('title', '')}\n{message.payload.get('body', '')}".strip()
        body = orjson.dumps({"to": message.target, "message": text, "reference": str(message.delivery_id)})
        return await _post(self._client, self._url, body, self._headers)


class PushChannel:
    """An FCM-style HTTP push API: `{"message": {"token", "notification"?, "data"}}` to the configured URL."""

    def __init__(self, client: httpx.AsyncClient, url: str, api_key: str | None) -> None:
        self._client, self._url = client, url
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}

    async def send(self, message: Outgoing) -> SendResult:
        push: dict = {"token": message.target, "data": {k: str(v) for k, v in message.payload.get("data", {}).items()}}
        if message.payload.get("title"):  # silent alarms get data-only pushes: nothing on the lock screen
            push["notification"] = {"title": message.payload["title"], "body": message.payload.get("body", "")}
        return await _post(self._client, self._url, orjson.dumps({"message": push}), self._headers)
