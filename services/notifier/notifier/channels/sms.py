"""SMS through a provider: a Twilio-compatible Messages API, or a generic HTTP gateway set up by settings."""

import aiohttp
import orjson

from kentongan.outbound import OutboundClient
from notifier.channels.base import Outgoing, SendResult
from notifier.channels.gsm7 import sms_text
from notifier.channels.http import Answer, exchange, form_body

# Twilio error codes that no retry can fix: the number is invalid, not a mobile, or opted out (STOP).
TWILIO_PERMANENT = {21211, 21214, 21217, 21407, 21408, 21610, 21612, 21614, 21635}


def _failure(answer: Answer, permanent: bool, detail: str | None = None) -> SendResult:
    return SendResult(False, answer.status, (detail or answer.error or "no answer")[:1000], permanent=permanent)


class TwilioSmsChannel:
    """Twilio's Messages API: form-encoded `To`, `From` (or `MessagingServiceSid`), `Body`, `StatusCallback`,
    HTTP basic auth with the account SID and auth token; `201` answers the message's `sid`, which the delivery
    receipts (`StatusCallback`) name."""

    def __init__(self, client: OutboundClient, *, api_url: str, account_sid: str, auth_token: str,
                 sender: str | None, messaging_service_sid: str | None, status_callback: str | None) -> None:
        self._client = client
        self._url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._headers = {"authorization": aiohttp.encode_basic_auth(account_sid, auth_token),
                         "content-type": "application/x-www-form-urlencoded"}
        self._form = {"From": sender} if sender else {"MessagingServiceSid": messaging_service_sid or ""}
        if status_callback:
            self._form["StatusCallback"] = status_callback

    async def send(self, message: Outgoing) -> SendResult:
        form = {"To": message.target, "Body": sms_text(message.payload), **self._form}
        answer = await exchange(self._client, self._url, form_body(form), self._headers)
        body = answer.body if isinstance(answer.body, dict) else {}
        if answer.ok and body.get("sid"):
            return SendResult(True, answer.status, provider_message_id=str(body["sid"]))
        if answer.status is None:
            return _failure(answer, False)
        code = body.get("code")
        detail = f"HTTP {answer.status} Twilio {code}: {body.get('message', '')}" if code else None
        return _failure(answer, code in TWILIO_PERMANENT, detail)


def _fill(template: object, values: dict[str, str]) -> object:
    """The request template with each placeholder replaced in its string values (never in its structure, so a
    message text can never change the JSON's shape)."""
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{" + name + "}", value)
        return template
    if isinstance(template, list):
        return [_fill(item, values) for item in template]
    if isinstance(template, dict):
        return {key: _fill(item, values) for key, item in template.items()}
    return template


def dotted(body: object, path: str) -> object:
    """`body["a"]["b"]` for the path "a.b" (a list index is a number), or None."""
    for part in path.split("."):
        if isinstance(body, dict):
            body = body.get(part)
        elif isinstance(body, list) and part.isdigit() and int(part) < len(body):
            body = body[int(part)]
        else:
            return None
    return body


class GatewaySmsChannel:
    """A generic HTTP SMS gateway: the JSON request comes from a template in the settings. With
    `message_id_field` the gateway's message id is read from its answer; with `receipts` (a receipt token is
    set) but no such field, the receipts name our own reference (the delivery id). Without either the gateway
    accepting the message is as far as anyone will know: it is `delivered`."""

    def __init__(self, client: OutboundClient, url: str, api_key: str | None, request_template: str,
                 message_id_field: str | None, receipts: bool) -> None:
        self._client, self._url = client, url
        self._headers = {"content-type": "application/json"}
        if api_key:
            self._headers["authorization"] = f"Bearer {api_key}"
        self._template = orjson.loads(request_template)
        self._message_id_field, self._receipts = message_id_field, receipts

    async def send(self, message: Outgoing) -> SendResult:
        reference = str(message.delivery_id)
        body = _fill(self._template, {"to": message.target, "text": sms_text(message.payload),
                                      "reference": reference})
        answer = await exchange(self._client, self._url, orjson.dumps(body), self._headers)
        if not answer.ok:
            # A 4xx other than "too many" or "timeout" is the gateway refusing this message for good.
            refused = answer.status is not None and 400 <= answer.status < 500 and answer.status not in (408, 429)
            return _failure(answer, refused)
        if self._message_id_field:
            provider_id = dotted(answer.body, self._message_id_field)
            return SendResult(True, answer.status, provider_message_id=str(provider_id) if provider_id else None)
        return SendResult(True, answer.status, provider_message_id=reference if self._receipts else None)
