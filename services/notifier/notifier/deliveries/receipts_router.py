"""Where providers report what happened to the messages they accepted: WhatsApp status webhooks (with the
subscription handshake), Twilio's StatusCallback and a generic SMS gateway's receipts. Each request is
authenticated the provider's way before anything is read from it; every answer is small and says nothing."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import PlainTextResponse

from kentongan.errors import Forbidden, NotFound, ServiceError, Unauthorized
from kentongan.openapi import SecurityScheme, documents, raises
from notifier.channels.sms import dotted
from notifier.deliveries import receipts
from notifier.dependencies import SessionDep, SettingsDep
from notifier.settings import Settings

router = APIRouter(prefix="/v1/receipts", tags=["provider receipts"])
WHATSAPP_STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}
TWILIO_STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "undelivered": "failed",
                   "failed": "failed"}
MAX_RECEIPTS = 1000  # per request; a provider batches a few at most

# How each provider proves it is the caller (checked in each handler, over the raw request): declared here so
# the OpenAPI document says so.
WHATSAPP_SIGNATURE = SecurityScheme("whatsappSignature", {
    "type": "apiKey", "in": "header", "name": "x-hub-signature-256",
    "description": "`sha256=` + HMAC-SHA256 of the raw body with NOTIFIER_WHATSAPP_APP_SECRET (Meta's webhooks)."})
WHATSAPP_VERIFY_TOKEN = SecurityScheme("whatsappVerifyToken", {
    "type": "apiKey", "in": "query", "name": "hub.verify_token",
    "description": "The subscription handshake's token, NOTIFIER_WHATSAPP_VERIFY_TOKEN (403 when it differs)."})
TWILIO_SIGNATURE = SecurityScheme("twilioSignature", {
    "type": "apiKey", "in": "header", "name": "x-twilio-signature",
    "description": "HMAC-SHA1 of the called URL and the sorted POST parameters with NOTIFIER_TWILIO_AUTH_TOKEN."})
SMS_RECEIPT_TOKEN = SecurityScheme("smsGatewayReceiptToken", {
    "type": "apiKey", "in": "query", "name": "token",
    "description": "NOTIFIER_SMS_RECEIPT_TOKEN, given to the SMS gateway with the receipt URL."})


@documents(security=WHATSAPP_VERIFY_TOKEN)
def _whatsapp_handshake_auth() -> None:
    """Documents the handshake's token; the handler compares it."""


@documents(security=WHATSAPP_SIGNATURE)
def _whatsapp_signed() -> None:
    """Documents the status webhook's signature; the handler verifies it over the raw body."""


@documents(security=TWILIO_SIGNATURE)
def _twilio_signed() -> None:
    """Documents Twilio's signature; the handler verifies it over the URL and form."""


@documents(security=SMS_RECEIPT_TOKEN)
def _gateway_token() -> None:
    """Documents the SMS gateway's receipt token; the handler compares it."""


class BadSignature(Unauthorized):
    """The request is not signed with this platform's secret for the provider."""

    error = "bad_signature"


class MalformedReceipt(ServiceError):
    """The receipt could not be read."""

    status_code = 400
    error = "malformed_receipt"


class ChannelNotConfigured(NotFound):
    """This provider is not configured here."""

    error = "channel_not_configured"


def _secret(value) -> bytes:
    return value.get_secret_value().encode() if value is not None else b""


def _json(raw: bytes) -> object:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedReceipt("the body is not JSON") from exc


def _at(timestamp: object) -> datetime:
    try:
        return datetime.fromtimestamp(int(str(timestamp)), UTC)
    except (TypeError, ValueError, OverflowError):
        return datetime.now(UTC)


@router.get("/whatsapp", response_class=PlainTextResponse, responses=raises(Forbidden),
            dependencies=[Depends(_whatsapp_handshake_auth)],
            summary="WhatsApp webhook verification handshake")
async def whatsapp_handshake(settings: SettingsDep,
                             mode: Annotated[str, Query(alias="hub.mode")] = "",
                             verify_token: Annotated[str, Query(alias="hub.verify_token")] = "",
                             challenge: Annotated[str, Query(alias="hub.challenge", max_length=200)] = "") -> str:
    expected = _secret(settings.whatsapp_verify_token)
    if mode != "subscribe" or not expected or not hmac.compare_digest(verify_token.encode(), expected):
        raise Forbidden("hub.verify_token does not match")
    return challenge


def whatsapp_signature_ok(settings: Settings, body: bytes, header: str | None) -> bool:
    secret = _secret(settings.whatsapp_app_secret)
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header.removeprefix("sha256="), expected)


@router.post("/whatsapp", status_code=200, responses=raises(BadSignature, MalformedReceipt),
             dependencies=[Depends(_whatsapp_signed)],
             summary="WhatsApp Cloud API status webhook")
async def whatsapp_statuses(request: Request, session: SessionDep, settings: SettingsDep,
                            signature: Annotated[str | None, Header(alias="x-hub-signature-256")] = None) -> dict:
    body = await request.body()
    if not whatsapp_signature_ok(settings, body, signature):
        raise BadSignature()
    found = []
    payload = _json(body)
    for entry in (payload.get("entry") or []) if isinstance(payload, dict) else []:
        for change in entry.get("changes") or []:
            for status in (change.get("value") or {}).get("statuses") or []:
                if status.get("id") and status.get("status") in WHATSAPP_STATUSES:
                    errors = status.get("errors") or [{}]
                    found.append({"provider_message_id": str(status["id"])[:128],
                                  "status": WHATSAPP_STATUSES[status["status"]], "at": _at(status.get("timestamp")),
                                  "error": _error(errors[0].get("code"), errors[0].get("title"))})
    await receipts.record(session, "whatsapp", found[:MAX_RECEIPTS])
    return {"received": len(found)}


def _error(code: object, title: object) -> str | None:
    if code is None and title is None:
        return None
    return f"{code}: {title}"[:300]


def twilio_signature_ok(auth_token: bytes, url: str, params: list[tuple[str, str]], header: str | None) -> bool:
    """Twilio signs the full URL it called followed by each POST parameter's name and value, sorted by name,
    with HMAC-SHA1 keyed by the account's auth token (base64)."""
    if not auth_token or not header:
        return False
    data = url + "".join(f"{name}{value}" for name, value in sorted(params))
    expected = base64.b64encode(hmac.new(auth_token, data.encode(), hashlib.sha1).digest()).decode()
    return hmac.compare_digest(header, expected)


@router.post("/twilio", status_code=204, responses=raises(ChannelNotConfigured, BadSignature),
             dependencies=[Depends(_twilio_signed)],
             summary="Twilio StatusCallback (delivery receipts of SMS)")
async def twilio_status(request: Request, session: SessionDep, settings: SettingsDep,
                        signature: Annotated[str | None, Header(alias="x-twilio-signature")] = None) -> None:
    if not settings.twilio_configured():
        raise ChannelNotConfigured()
    params = parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    called = (f"{settings.public_url.rstrip('/')}{request.url.path}" if settings.public_url else str(request.url))
    if not twilio_signature_ok(_secret(settings.twilio_auth_token), called, params, signature):
        raise BadSignature()
    form = dict(params)
    status = TWILIO_STATUSES.get(form.get("MessageStatus", ""))
    if form.get("MessageSid") and status:
        await receipts.record(session, "sms", [{
            "provider_message_id": form["MessageSid"][:128], "status": status, "at": datetime.now(UTC),
            "error": _error(form.get("ErrorCode"), form.get("ErrorMessage")) if form.get("ErrorCode") else None}])


@router.post("/sms-gateway", status_code=204, responses=raises(BadSignature, MalformedReceipt),
             dependencies=[Depends(_gateway_token)],
             summary="A generic SMS gateway's delivery receipt")
async def gateway_receipt(request: Request, session: SessionDep, settings: SettingsDep,
                          token: Annotated[str, Query(max_length=200)] = "") -> None:
    expected = _secret(settings.sms_receipt_token)
    if not expected or not hmac.compare_digest(token.encode(), expected):
        raise BadSignature("the receipt token does not match")
    raw = await request.body()
    is_form = request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded")
    body = dict(parse_qsl(raw.decode("utf-8", "replace"))) if is_form else _json(raw)
    provider_id = dotted(body, settings.sms_receipt_id_field)
    status = settings.sms_receipt_statuses.get(str(dotted(body, settings.sms_receipt_status_field)))
    if provider_id is None:
        raise MalformedReceipt(f"no message id at {settings.sms_receipt_id_field!r}")
    if status in ("sent", "delivered", "read", "failed"):
        await receipts.record(session, "sms", [{"provider_message_id": str(provider_id)[:128], "status": status,
                                                "at": datetime.now(UTC), "error": None}])
