"""Push through Firebase Cloud Messaging HTTP v1 (`projects/{id}/messages:send`), authorised by an OAuth2 access
token minted from a service account and cached until shortly before it expires."""

import asyncio
import time

import orjson
from google.auth import crypt, jwt

from kentongan.outbound import OutboundClient
from notifier.channels.base import Outgoing, SendResult
from notifier.channels.http import exchange, form_body

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
EXPIRY_MARGIN_S = 60  # renew a minute early: a token that expires in flight costs a retry
FORM = {"content-type": "application/x-www-form-urlencoded"}
RETRYABLE = {"UNAVAILABLE", "INTERNAL", "QUOTA_EXCEEDED", "UNSPECIFIED_ERROR"}


class TokenError(Exception):
    """The token endpoint refused the service account, or did not answer."""


class ServiceAccountTokens:
    """OAuth2 access tokens for a Google service account (RFC 7523 JWT bearer grant). The JWT is built and signed
    with `google-auth`; the token request goes through the notifier's outbound HTTP client like every other."""

    def __init__(self, client: OutboundClient, info: dict, scope: str = SCOPE) -> None:
        self._client = client
        self._signer = crypt.RSASigner.from_service_account_info(info)
        self._email = info["client_email"]
        self._token_uri = info.get("token_uri") or GOOGLE_TOKEN_URI
        self._scope = scope
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.minted = 0  # how many tokens were fetched (the cache is observable in tests)

    async def token(self) -> str:
        token = self._token
        if token is not None and time.monotonic() < self._expires_at:
            return token
        async with self._lock:  # one request refreshes it for every send waiting
            token = self._token
            if token is None or time.monotonic() >= self._expires_at:
                token = await self._mint()
        return token

    def invalidate(self) -> None:
        self._token = None

    async def _mint(self) -> str:
        now = int(time.time())
        assertion = jwt.encode(self._signer, {"iss": self._email, "scope": self._scope, "aud": self._token_uri,
                                              "iat": now, "exp": now + 3600})
        answer = await exchange(self._client, self._token_uri,
                                form_body({"grant_type": JWT_BEARER, "assertion": assertion.decode()}), FORM)
        body = answer.body if isinstance(answer.body, dict) else {}
        if not answer.ok or not body.get("access_token"):
            raise TokenError(f"token endpoint: {answer.error or 'no access_token'} {body.get('error', '')}".strip())
        self._token = body["access_token"]
        self._expires_at = time.monotonic() + int(body.get("expires_in", 3600)) - EXPIRY_MARGIN_S
        self.minted += 1
        return body["access_token"]


def fcm_message(token: str, payload: dict) -> dict:
    message: dict = {"token": token, "data": {k: str(v) for k, v in payload.get("data", {}).items()},
                     "android": {"priority": "high"}}
    if payload.get("title"):  # silent alarms get data-only pushes: nothing on the lock screen
        message["notification"] = {"title": payload["title"], "body": payload.get("body", "")}
    return {"message": message}


def _fcm_error(body: object) -> tuple[str, str]:
    """(FCM error code, message) of an error answer: the FcmError detail's `errorCode`, else the status."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "UNSPECIFIED_ERROR", ""
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return str(detail["errorCode"]), str(error.get("message", ""))
    return str(error.get("status", "UNSPECIFIED_ERROR")), str(error.get("message", ""))


class FcmChannel:
    def __init__(self, client: OutboundClient, tokens: ServiceAccountTokens, api_url: str, project_id: str) -> None:
        self._client, self._tokens = client, tokens
        self._url = f"{api_url.rstrip('/')}/v1/projects/{project_id}/messages:send"

    async def send(self, message: Outgoing) -> SendResult:
        body = orjson.dumps(fcm_message(message.target, message.payload))
        try:
            answer = await self._post(body)
            if answer.status == 401:  # the token was revoked or expired early: mint one and try once more
                self._tokens.invalidate()
                answer = await self._post(body)
        except TokenError as exc:
            return SendResult(False, None, str(exc)[:1000])
        if answer.ok:
            name = answer.body.get("name") if isinstance(answer.body, dict) else None
            return SendResult(True, answer.status, provider_message_id=str(name) if name else None)
        if answer.status is None:
            return SendResult(False, None, answer.error)
        code, text = _fcm_error(answer.body)
        return SendResult(False, answer.status, f"HTTP {answer.status} FCM {code}: {text}"[:1000],
                          permanent=code not in RETRYABLE, unregistered=code == "UNREGISTERED")

    async def _post(self, body: bytes):
        headers = {"authorization": f"Bearer {await self._tokens.token()}", "content-type": "application/json"}
        return await exchange(self._client, self._url, body, headers)
