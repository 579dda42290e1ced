"""Channels that deliver over HTTP with httpx: partner webhooks (Standard Webhooks), SMS and push gateways."""

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import orjson
from standardwebhooks.webhooks import Webhook

from notifier.channels.base import Outgoing, SendResult


class HttpClients:
    """A few small httpx clients used in turn: httpcore scans its whole pool on every request, so many small
    pools send faster than one large one."""

    def __init__(self, clients: list[httpx.AsyncClient]) -> None:
        self._clients = clients
        self._turn = itertools.cycle(clients)

    def next(self) -> httpx.AsyncClient:
        return next(self._turn)

    @classmethod
    @asynccontextmanager
    async def open(cls, concurrency: int, timeout_s: float, per_client: int = 16) -> AsyncIterator["HttpClients"]:
        timeout = httpx.Timeout(timeout_s, connect=min(5.0, timeout_s))
        limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
        clients = [httpx.AsyncClient(limits=limits, timeout=timeout, follow_redirects=False)
                   for _ in range(max(1, concurrency // per_client))]
        try:
            yield cls(clients)
        finally:
            for client in clients:
                await client.aclose()


def webhook_id(message: Outgoing) -> str:
    """The Standard Webhooks message id: the same on every attempt, so a receiver can drop repeats."""
    return f"msg_{message.delivery_id.hex}"


async def _post(clients: HttpClients, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
    try:
        response = await clients.next().post(url, content=body, headers={"content-type": "application/json", **headers})
    except httpx.HTTPError as exc:
        return SendResult(False, None, f"{type(exc).__name__}: {exc}"[:1000])
    if response.is_success:
        return SendResult(True, response.status_code)
    return SendResult(False, response.status_code, f"HTTP {response.status_code}")


class WebhookChannel:
    """POSTs the payload to the target URL, signed with the subscription's secret when it has one."""

    def __init__(self, clients: HttpClients) -> None:
        self._clients = clients

    async def send(self, message: Outgoing) -> SendResult:
        body = orjson.dumps(message.payload)
        headers = {"webhook-id": webhook_id(message)}
        if message.secret:
            now = datetime.now(UTC)
            headers["webhook-timestamp"] = str(int(now.timestamp()))
            headers["webhook-signature"] = Webhook(message.secret).sign(headers["webhook-id"], now, body.decode())
        return await _post(self._clients, message.target, body, headers)


class SmsGatewayChannel:
    """An SMS provider's HTTP API: `{"to", "message", "reference"}` to the configured URL."""

    def __init__(self, clients: HttpClients, url: str, api_key: str | None) -> None:
        self._clients, self._url = clients, url
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}

    async def send(self, message: Outgoing) -> SendResult:
        text = f"{message.payload.get('title', '')}\n{message.payload.get('body', '')}".strip()
        body = orjson.dumps({"to": message.target, "message": text, "reference": str(message.delivery_id)})
        return await _post(self._clients, self._url, body, self._headers)


class PushChannel:
    """An FCM-style HTTP push API: `{"message": {"token", "notification"?, "data"}}` to the configured URL."""

    def __init__(self, clients: HttpClients, url: str, api_key: str | None) -> None:
        self._clients, self._url = clients, url
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}

    async def send(self, message: Outgoing) -> SendResult:
        push: dict = {"token": message.target, "data": {k: str(v) for k, v in message.payload.get("data", {}).items()}}
        if message.payload.get("title"):  # silent alarms get data-only pushes: nothing on the lock screen
            push["notification"] = {"title": message.payload["title"], "body": message.payload.get("body", "")}
        return await _post(self._clients, self._url, orjson.dumps({"message": push}), self._headers)
