"""WhatsApp Business Cloud API: approved template messages to a phone in E.164, from the business's phone number
id, with a bearer token. The answer carries the message's `wamid`, which the status webhooks name."""

import re

import orjson

from kentongan.outbound import OutboundClient
from notifier.channels.base import Outgoing, SendResult
from notifier.channels.http import exchange

# Error codes no retry can fix: undeliverable, not a WhatsApp user / not allowed, template or parameters wrong.
PERMANENT = {100, 131008, 131009, 131021, 131026, 131030, 131051, 132000, 132001, 132005, 132007, 132012, 132015,
             132016, 132018}
GENERIC_TEMPLATE = "kentongan_notice"


def template_name(kind: str) -> str:
    """The approved template of a message kind: "broadcast.opened" -> "kentongan_broadcast_opened"."""
    return "kentongan_" + re.sub(r"[^a-z0-9]+", "_", kind.lower())


def _parameter(text: str) -> dict:
    # Template parameters may not hold newlines, tabs or more than four spaces in a row (error 132018).
    return {"type": "text", "text": re.sub(r"\s+", " ", text).strip()[:1024]}


def template_message(to: str, payload: dict) -> dict:
    """The Cloud API request body of a message: its kind's template with its parameters, or the generic notice
    template with the title for a message that has none."""
    template = payload.get("template") or {}
    name = template_name(template["kind"]) if template.get("kind") else GENERIC_TEMPLATE
    params = template.get("params") if template.get("kind") else [payload.get("title", "Kentongan")]
    body: dict = {"name": name, "language": {"code": template.get("language", "id")}}
    if params:
        body["components"] = [{"type": "body", "parameters": [_parameter(p) for p in params]}]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template",
            "template": body}


class WhatsAppChannel:
    def __init__(self, client: OutboundClient, api_url: str, phone_number_id: str, token: str) -> None:
        self._client = client
        self._url = f"{api_url.rstrip('/')}/{phone_number_id}/messages"
        self._headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}

    async def send(self, message: Outgoing) -> SendResult:
        request = orjson.dumps(template_message(message.target, message.payload))
        answer = await exchange(self._client, self._url, request, self._headers)
        body = answer.body if isinstance(answer.body, dict) else {}
        messages = body.get("messages") or []
        if answer.ok and messages and messages[0].get("id"):
            return SendResult(True, answer.status, provider_message_id=str(messages[0]["id"]))
        raw_error = body.get("error")
        error = raw_error if isinstance(raw_error, dict) else {}
        code = error.get("code")
        detail = (f"HTTP {answer.status} WhatsApp {code}: {error.get('message', '')}" if code
                  else answer.error or "no message id in the answer")
        return SendResult(False, answer.status, detail[:1000], permanent=code in PERMANENT)
