"""Production refuses to start without a real SMS or WhatsApp channel and a push provider, or with the development
inbox (`production_problems`, which start-up and `kentongan check` gather); development runs with none."""

import base64

import pytest
from pydantic import ValidationError

from notifier.settings import Settings


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("KENTONGAN_ENV", "production")
    monkeypatch.setenv("KENTONGAN_JWT_SECRET", "a-real-production-secret-of-enough-length")
    monkeypatch.setenv("NOTIFIER_ENCRYPTION_KEYS", "k1:" + base64.b64encode(b"k" * 32).decode())
    monkeypatch.setenv("NOTIFIER_ACTIVE_KEY_ID", "k1")
    monkeypatch.setenv("KENTONGAN_BUS_KEYS", "b1:" + base64.b64encode(b"b" * 32).decode())
    monkeypatch.setenv("KENTONGAN_BUS_ACTIVE_KEY_ID", "b1")


def test_development_needs_no_provider():
    assert Settings().dev_inbox  # a channel without a provider lands in the development inbox


def test_production_without_sms_or_whatsapp_is_refused(production):
    problems = Settings().production_problems()
    assert any("no SMS provider" in problem for problem in problems), problems


def test_production_refuses_the_development_inbox(production):
    problems = Settings(sms_url="https://sms.example.co.id/send", dev_inbox=True).production_problems()
    assert any(problem.startswith("NOTIFIER_DEV_INBOX") for problem in problems), problems


PUSH = {"push_url": "https://push.example.co.id/send", "dev_inbox": False}


@pytest.mark.parametrize("channel", [
    {"whatsapp_phone_number_id": "1065", "whatsapp_token": "t", "whatsapp_app_secret": "s"},
    {"twilio_account_sid": "AC1", "twilio_auth_token": "t", "twilio_from": "+15005550006"},
    {"sms_url": "https://sms.example.co.id/send"},
])
def test_production_with_a_real_channel_starts(production, channel):
    assert Settings(**channel, **PUSH).production_problems() == []


def test_whatsapp_in_production_needs_the_app_secret_for_its_webhooks(production):
    problems = Settings(whatsapp_phone_number_id="1065", whatsapp_token="t", **PUSH).production_problems()
    assert [problem for problem in problems if "NOTIFIER_WHATSAPP_APP_SECRET" in problem], problems


@pytest.mark.parametrize(("name", "value"), [
    ("whatsapp_api_url", "http://169.254.169.254/v21.0"),
    ("twilio_api_url", "http://127.0.0.1:8080"),
    ("fcm_api_url", "http://10.0.0.5"),
    ("smtp_host", "127.0.0.1"),
    ("smtp_host", "metadata.google.internal"),
])
def test_provider_endpoints_pass_the_outbound_policy(production, monkeypatch, name, value):
    """Every provider base URL (and the SMTP host) is judged like a partner's webhook URL."""
    monkeypatch.delenv("KENTONGAN_OUTBOUND_ALLOW_PRIVATE", raising=False)  # the test stack allows loopback
    with pytest.raises(ValidationError, match=f"NOTIFIER_{name.upper()}"):
        Settings(sms_url="https://sms.example.co.id/send", **{name: value})
