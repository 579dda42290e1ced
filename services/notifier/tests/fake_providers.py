"""A local stand-in for the messaging providers, speaking each one's documented request and answer formats,
error answers included: the WhatsApp Cloud API, Twilio's Messages API, Google's OAuth2 token endpoint and FCM
HTTP v1, and a generic JSON SMS gateway. Numbers and tokens choose the answer (see the constants)."""

import asyncio
import base64
import itertools
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import jwt

from kentongan.dev.receivers import read_body

WA_UNDELIVERABLE = "+620000000001"  # 131026: message undeliverable (not on WhatsApp)
WA_RATE_LIMITED = "+620000000002"  # 130429: throughput reached
TWILIO_INVALID = "+620000000003"  # 21211: invalid 'To' number
FCM_UNREGISTERED = "unregistered-token"
FCM_INVALID = "invalid-token"
PHONE_NUMBER_ID = "106540352242922"
WA_TOKEN = "wa-test-token"
TWILIO_SID, TWILIO_TOKEN = "AC" + "0" * 32, "twilio-test-token"
ACCESS_TOKEN_PREFIX = "ya29.fake-"


def service_account(token_uri: str) -> tuple[dict, bytes]:
    """A fresh service account key (the JSON Google issues) and its public key in PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    info = {"type": "service_account", "project_id": "kentongan-test", "private_key_id": "k1",
            "private_key": pem, "client_email": "notifier@kentongan-test.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": token_uri}
    return info, public


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))


@dataclass
class FakeProviders:
    port: int
    public_key: bytes | None = None
    requests: list[Request] = field(default_factory=list)
    tokens_issued: int = 0
    gateway_delay_s: float = 0.0  # how long the generic gateway takes to answer
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, prefix: str) -> list[Request]:
        return [r for r in self.requests if r.path.startswith(prefix)]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope["path"], {k.decode(): v.decode() for k, v in scope["headers"]},
                          await read_body(receive))
        self.requests.append(request)
        if request.path.startswith("/gateway/") and self.gateway_delay_s:
            await asyncio.sleep(self.gateway_delay_s)
        status, body = self._answer(request)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})

    def _answer(self, r: Request) -> tuple[int, dict]:
        if r.path == f"/wa/{PHONE_NUMBER_ID}/messages":
            return self._whatsapp(r)
        if r.path == f"/twilio/2010-04-01/Accounts/{TWILIO_SID}/Messages.json":
            return self._twilio(r)
        if r.path == "/oauth2/token":
            return self._token(r)
        if r.path.startswith("/fcm/v1/projects/") and r.path.endswith("/messages:send"):
            return self._fcm(r)
        if r.path == "/gateway/send":
            return 200, {"status": "accepted", "data": {"id": f"gw-{next(self._ids)}"}}
        return 404, {"error": "no such path"}

    def _whatsapp(self, r: Request) -> tuple[int, dict]:
        if r.headers.get("authorization") != f"Bearer {WA_TOKEN}":
            return 401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190,
                                   "fbtrace_id": "A1"}}
        body = r.json()
        template = body.get("template") or {}
        if body.get("messaging_product") != "whatsapp" or body.get("type") != "template" or not template.get("name") \
                or not (template.get("language") or {}).get("code"):
            return 400, {"error": {"message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100,
                                   "fbtrace_id": "A2"}}
        for component in template.get("components", []):
            for parameter in component.get("parameters", []):
                if "\n" in parameter.get("text", "") or "\t" in parameter.get("text", ""):
                    return 400, {"error": {"message": "(#132018) There was an issue with the parameters in your "
                                                      "template.", "type": "OAuthException", "code": 132018}}
        if body["to"] == WA_UNDELIVERABLE:
            return 400, {"error": {"message": "(#131026) Message Undeliverable.", "type": "OAuthException",
                                   "code": 131026, "fbtrace_id": "A3"}}
        if body["to"] == WA_RATE_LIMITED:
            return 400, {"error": {"message": "(#130429) Rate limit hit", "type": "OAuthException",
                                   "code": 130429, "fbtrace_id": "A4"}}
        return 200, {"messaging_product": "whatsapp",
                     "contacts": [{"input": body["to"], "wa_id": body["to"].lstrip("+")}],
                     "messages": [{"id": f"wamid.HBgM{next(self._ids):08d}"}]}

    def _twilio(self, r: Request) -> tuple[int, dict]:
        expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
        if r.headers.get("authorization") != expected:
            return 401, {"code": 20003, "message": "Authenticate", "more_info": "https://www.twilio.com/docs/errors/20003",
                         "status": 401}
        form = r.form()
        if not form.get("To") or not form.get("Body") or not (form.get("From") or form.get("MessagingServiceSid")):
            return 400, {"code": 21604, "message": "A 'To' phone number is required.", "status": 400}
        if form["To"] == TWILIO_INVALID:
            return 400, {"code": 21211, "message": f"The 'To' number {form['To']} is not a valid phone number.",
                         "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}
        return 201, {"sid": f"SM{next(self._ids):032x}", "status": "queued", "to": form["To"],
                     "body": form["Body"], "num_segments": "1", "error_code": None}

    def _token(self, r: Request) -> tuple[int, dict]:
        form = r.form()
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type"}
        try:
            claims = jwt.decode(form.get("assertion", ""), certs=self.public_key, audience=self.url("/oauth2/token"))
        except ValueError as exc:
            return 400, {"error": "invalid_grant", "error_description": str(exc)}
        if claims.get("scope") != "https://www.googleapis.com/auth/firebase.messaging":
            return 400, {"error": "invalid_scope"}
        self.tokens_issued += 1
        return 200, {"access_token": f"{ACCESS_TOKEN_PREFIX}{self.tokens_issued}", "expires_in": 3599,
                     "token_type": "Bearer"}

    def _fcm(self, r: Request) -> tuple[int, dict]:
        if not r.headers.get("authorization", "").startswith(f"Bearer {ACCESS_TOKEN_PREFIX}"):
            return 401, {"error": {"code": 401, "message": "Request had invalid authentication credentials.",
                                   "status": "UNAUTHENTICATED"}}
        token = r.json()["message"]["token"]
        if token == FCM_UNREGISTERED:
            return 404, {"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND",
                                   "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                                "errorCode": "UNREGISTERED"}]}}
        if token == FCM_INVALID:
            return 400, {"error": {"code": 400, "message": "The registration token is not a valid FCM registration "
                                                           "token", "status": "INVALID_ARGUMENT",
                                   "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                                                "errorCode": "INVALID_ARGUMENT"}]}}
        return 200, {"name": f"projects/kentongan-test/messages/0:{next(self._ids)}"}
