"""The outbound HTTP client every channel uses, and the channels that only POST: partner webhooks (Standard
Webhooks) and a generic FCM-style push URL. Providers with their own formats have modules of their own."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import httpx
import orjson
from standardwebhooks.webhooks import Webhook

from notifier.channels.base import Outgoing, SendResult

MAX_ANSWER_BYTES = 64 * 1024


def webhook_id(message: Outgoing) -> str:
    """The Standard Webhooks message id: the same on every attempt, so a receiver can drop repeats."""
    return f"msg_{message.delivery_id.hex}"


async def _post(client: httpx.AsyncClient, url: str | httpx.URL, body: bytes, headers: dict[str, str]) -> SendResult:
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


@dataclass(frozen=True)
class Answer:
    """A provider's answer: its status and its JSON body (None if it was not JSON), or why there was none."""

    status: int | None
    body: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


async def exchange(client: httpx.AsyncClient, url: str | httpx.URL, *, content: bytes | None = None,
                   data: dict[str, str] | None = None, headers: dict[str, str] | None = None,
                   auth: tuple[str, str] | None = None) -> Answer:
    """POST to a provider through the outbound client and read its (bounded) JSON answer: providers say in the
    body which message id they gave, or why they refused. A provider's `url` is best parsed once
    (`httpx.URL`): parsing the string again for every message was ~6% of the notifier's CPU."""
    try:
        response = await client.post(url, content=content, data=data, headers=headers,
                                     auth=httpx.BasicAuth(*auth) if auth else httpx.USE_CLIENT_DEFAULT)
    except (httpx.HTTPError, aiohttp.ClientError, TimeoutError) as exc:
        return Answer(None, None, f"{type(exc).__name__}: {exc}"[:1000])
    raw = response.content[:MAX_ANSWER_BYTES]
    try:
        body = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        body = None
    return Answer(response.status_code, body, None if response.is_success else f"HTTP {response.status_code}")


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


class PushChannel:
    """An FCM-style HTTP push API: `{"message": {"token", "notification"?, "data"}}` to the configured URL."""

    def __init__(self, client: httpx.AsyncClient, url: str, api_key: str | None) -> None:
        self._client, self._url = client, httpx.URL(url)
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}

    async def send(self, message: Outgoing) -> SendResult:
        push: dict = {"token": message.target, "data": {k: str(v) for k, v in message.payload.get("data", {}).items()}}
        if message.payload.get("title"):  # silent alarms get data-only pushes: nothing on the lock screen
            push["notification"] = {"title": message.payload["title"], "body": message.payload.get("body", "")}
        return await _post(self._client, self._url, orjson.dumps({"message": push}), self._headers)
