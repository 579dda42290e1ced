"""The outbound HTTP client every channel uses, and the channels that only POST: partner webhooks (Standard
Webhooks) and a generic FCM-style push URL. Providers with their own formats have modules of their own."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from standardwebhooks.webhooks import Webhook

from kentongan.outbound import OUTBOUND_ERRORS, OutboundClient
from notifier.channels.base import Outgoing, SendResult

MAX_ANSWER_BYTES = 64 * 1024


def webhook_id(message: Outgoing) -> str:
    """The Standard Webhooks message id: the same on every attempt, so a receiver can drop repeats."""
    return f"msg_{message.delivery_id.hex}"


async def _post(client: OutboundClient, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    # Redirects are not followed (a partner URL was checked, its redirect target was not). The body is
    # not read: the status is the answer, and a body still arriving just closes that connection.
    try:
        status, _ = await client.post_raw(url, body, {"content-type": "application/json", **headers}, max_bytes=0)
    except OUTBOUND_ERRORS as exc:
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


def form_body(data: dict[str, str]) -> bytes:
    """An `application/x-www-form-urlencoded` body (Twilio, OAuth2 token endpoints)."""
    return urlencode(data).encode()


async def exchange(client: OutboundClient, url: str, content: bytes, headers: dict[str, str]) -> Answer:
    """POST to a provider through the outbound client (its policy, pool and keep-alive connections) and read
    its (bounded) JSON answer: providers say in the body which message id they gave, or why they refused.
    `headers` carry the content type; build them once per channel where they do not change."""
    try:
        status, raw = await client.post_raw(url, content, headers, max_bytes=MAX_ANSWER_BYTES)
    except OUTBOUND_ERRORS as exc:
        return Answer(None, None, f"{type(exc).__name__}: {exc}"[:1000])
    try:
        body = orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        body = None
    return Answer(status, body, None if 200 <= status < 300 else f"HTTP {status}")


class WebhookChannel:
    """POSTs the payload to the target URL, signed with the subscription's secret when it has one."""

    def __init__(self, client: OutboundClient) -> None:
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

    def __init__(self, client: OutboundClient, url: str, api_key: str | None) -> None:
        self._client, self._url = client, url
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}

    async def send(self, message: Outgoing) -> SendResult:
        push: dict = {"token": message.target, "data": {k: str(v) for k, v in message.payload.get("data", {}).items()}}
        if message.payload.get("title"):  # silent alarms get data-only pushes: nothing on the lock screen
            push["notification"] = {"title": message.payload["title"], "body": message.payload.get("body", "")}
        return await _post(self._client, self._url, orjson.dumps({"message": push}), self._headers)
