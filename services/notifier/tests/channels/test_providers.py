"""Each provider channel against a local fake that speaks the provider's documented format, errors included."""

import json
from uuid import uuid4

import notifier_fakes as fake
import pytest

from kentongan.dev.receivers import serving
from kentongan.dev.stack import free_port
from kentongan.outbound import OutboundPolicy, outbound_client
from notifier.channels.base import Outgoing
from notifier.channels.fcm import FcmChannel, ServiceAccountTokens
from notifier.channels.sms import GatewaySmsChannel, TwilioSmsChannel
from notifier.channels.whatsapp import WhatsAppChannel

BROADCAST = {"title": "Kentongan: kebakaran", "body": "Ada laporan kebakaran...\n\nA fire was reported...",
             "sms": "KENTONGAN: kebakaran di Kel. Sekayu, Kec. Semarang Tengah pukul 14:02 WIB.",
             "template": {"kind": "broadcast.opened", "language": "id",
                          "params": ["kebakaran", "Kel. Sekayu,\nKec. Semarang Tengah", "14:02 WIB"]},
             "data": {"kind": "broadcast.opened", "incident_id": str(uuid4())}}


def outgoing(channel: str, target: str, payload: dict | None = None) -> Outgoing:
    return Outgoing(uuid4(), channel, target, payload or BROADCAST)


@pytest.fixture(scope="module")
async def providers():
    app = fake.FakeProviders(free_port())
    async with serving(app, app.port):
        yield app


@pytest.fixture
async def client():
    # The fakes listen on loopback, which the outbound policy allows only when told to (as `make run` does).
    async with outbound_client(OutboundPolicy(allow_private=True), concurrency=8, timeout_s=5) as c:
        yield c


async def test_whatsapp_sends_the_kinds_template_and_keeps_the_wamid(providers, client):
    channel = WhatsAppChannel(client, providers.url("/wa"), fake.PHONE_NUMBER_ID, fake.WA_TOKEN)
    result = await channel.send(outgoing("whatsapp", "+6281234567890"))
    assert result.ok and result.provider_message_id.startswith("wamid.")
    sent = providers.to("/wa/")[-1].json()
    assert sent["to"] == "+6281234567890" and sent["type"] == "template"
    assert sent["template"]["name"] == "kentongan_broadcast_opened"
    assert sent["template"]["language"] == {"code": "id"}
    texts = [p["text"] for p in sent["template"]["components"][0]["parameters"]]
    assert texts == ["kebakaran", "Kel. Sekayu, Kec. Semarang Tengah", "14:02 WIB"]  # no newline in a parameter


async def test_whatsapp_errors_undeliverable_is_final_rate_limit_is_retried(providers, client):
    channel = WhatsAppChannel(client, providers.url("/wa"), fake.PHONE_NUMBER_ID, fake.WA_TOKEN)
    undeliverable = await channel.send(outgoing("whatsapp", fake.WA_UNDELIVERABLE))
    assert not undeliverable.ok and undeliverable.permanent and "131026" in undeliverable.error
    limited = await channel.send(outgoing("whatsapp", fake.WA_RATE_LIMITED))
    assert not limited.ok and not limited.permanent and "130429" in limited.error
    wrong_token = await WhatsAppChannel(client, providers.url("/wa"), fake.PHONE_NUMBER_ID, "stale").send(
        outgoing("whatsapp", "+6281234567890"))
    assert not wrong_token.ok and not wrong_token.permanent and "190" in wrong_token.error


async def test_twilio_posts_a_form_with_basic_auth_and_status_callback(providers, client):
    channel = TwilioSmsChannel(client, api_url=providers.url("/twilio"), account_sid=fake.TWILIO_SID,
                               auth_token=fake.TWILIO_TOKEN, sender="+15005550006", messaging_service_sid=None,
                               status_callback="https://notifier.example/v1/receipts/twilio")
    result = await channel.send(outgoing("sms", "+6281234567890"))
    assert result.ok and result.status_code == 201 and result.provider_message_id.startswith("SM")
    form = providers.to("/twilio/")[-1].form()
    assert form == {"To": "+6281234567890", "From": "+15005550006", "Body": BROADCAST["sms"],
                    "StatusCallback": "https://notifier.example/v1/receipts/twilio"}
    invalid = await channel.send(outgoing("sms", fake.TWILIO_INVALID))
    assert not invalid.ok and invalid.permanent and "21211" in invalid.error
    unauthorised = await TwilioSmsChannel(client, api_url=providers.url("/twilio"), account_sid=fake.TWILIO_SID,
                                          auth_token="wrong", sender="+15005550006", messaging_service_sid=None,
                                          status_callback=None).send(outgoing("sms", "+6281234567890"))
    assert not unauthorised.ok and not unauthorised.permanent and "20003" in unauthorised.error


async def test_generic_gateway_fills_its_template_and_reads_the_message_id(providers, client):
    template = json.dumps({"msisdn": "{to}", "content": {"text": "{text}"}, "ref": "{reference}", "sender": "KENTONGAN"})
    channel = GatewaySmsChannel(client, providers.url("/gateway/send"), "k3y", template, "data.id", receipts=True)
    message = outgoing("sms", "+6281234567890", {**BROADCAST, "sms": 'quote " and {to} stay text'})
    result = await channel.send(message)
    assert result.ok and result.provider_message_id.startswith("gw-")
    request = providers.to("/gateway/")[-1]
    assert request.headers["authorization"] == "Bearer k3y"
    assert request.json() == {"msisdn": "+6281234567890", "content": {"text": 'quote " and {to} stay text'},
                              "ref": str(message.delivery_id), "sender": "KENTONGAN"}
    refused = await GatewaySmsChannel(client, providers.url("/gateway/nowhere"), None, template, None,
                                      receipts=False).send(message)
    assert not refused.ok and refused.permanent and refused.status_code == 404


async def test_fcm_v1_mints_a_service_account_token_once_and_reuses_it(providers, client):
    info, providers.public_key = fake.service_account(providers.url("/oauth2/token"))
    tokens = ServiceAccountTokens(client, info)
    channel = FcmChannel(client, tokens, providers.url("/fcm"), info["project_id"])
    for _ in range(3):
        result = await channel.send(outgoing("push", "device-token-1"))
        assert result.ok and result.provider_message_id.startswith("projects/kentongan-test/messages/")
    assert tokens.minted == 1 and providers.tokens_issued == 1  # cached until it expires
    sent = providers.to("/fcm/")[-1]
    assert sent.path == "/fcm/v1/projects/kentongan-test/messages:send"
    assert sent.headers["authorization"] == f"Bearer {fake.ACCESS_TOKEN_PREFIX}1"
    message = sent.json()["message"]
    assert message["token"] == "device-token-1" and message["notification"]["title"] == BROADCAST["title"]
    assert message["data"]["kind"] == "broadcast.opened"


async def test_fcm_unregistered_token_is_dropped_and_invalid_is_final(providers, client):
    info, providers.public_key = fake.service_account(providers.url("/oauth2/token"))
    channel = FcmChannel(client, ServiceAccountTokens(client, info), providers.url("/fcm"), info["project_id"])
    gone = await channel.send(outgoing("push", fake.FCM_UNREGISTERED))
    assert not gone.ok and gone.permanent and gone.unregistered and "UNREGISTERED" in gone.error
    invalid = await channel.send(outgoing("push", fake.FCM_INVALID))
    assert not invalid.ok and invalid.permanent and not invalid.unregistered


async def test_fcm_token_refused_by_the_token_endpoint_fails_the_send(providers, client):
    info, _ = fake.service_account(providers.url("/oauth2/token"))
    providers.public_key = fake.service_account(providers.url("/oauth2/token"))[1]  # another key signed it
    result = await FcmChannel(client, ServiceAccountTokens(client, info), providers.url("/fcm"),
                              info["project_id"]).send(outgoing("push", "device-token-1"))
    assert not result.ok and not result.permanent and "token endpoint" in result.error
