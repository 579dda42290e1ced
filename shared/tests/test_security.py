"""Bearer tokens: a token that verified once is remembered only while it is valid, and only for the key and
issuer it verified against."""

import time
from datetime import timedelta

import pytest
from pydantic import SecretStr

from kentongan.errors import Forbidden, Unauthorized
from kentongan.security import DEVICE, OPERATOR, decode_token, issue_token
from kentongan.settings import ServiceSettings

SETTINGS = ServiceSettings(jwt_secret=SecretStr("a-test-secret-of-enough-length-000"))


def _device_token(settings: ServiceSettings = SETTINGS, ttl: timedelta = timedelta(hours=1)) -> str:
    return issue_token(settings, subject="device-1", audience=DEVICE, ttl=ttl)


def test_a_remembered_token_is_refused_once_it_expires():
    token = _device_token(ttl=timedelta(seconds=1))
    assert decode_token(SETTINGS, token, DEVICE)["sub"] == "device-1"
    time.sleep(1.2)
    with pytest.raises(Unauthorized, match="expired"):
        decode_token(SETTINGS, token, DEVICE)


def test_a_remembered_token_is_refused_under_another_secret_or_issuer():
    token = _device_token()
    decode_token(SETTINGS, token, DEVICE)
    for other in (SETTINGS.model_copy(update={"jwt_secret": SecretStr("another-secret-of-enough-length-11")}),
                  SETTINGS.model_copy(update={"jwt_issuer": "someone-else"})):
        with pytest.raises(Unauthorized, match="invalid"):
            decode_token(other, token, DEVICE)


def test_a_remembered_token_is_still_refused_for_another_audience():
    token = _device_token()
    decode_token(SETTINGS, token, DEVICE)
    with pytest.raises(Forbidden):
        decode_token(SETTINGS, token, OPERATOR)


def test_a_tampered_token_is_refused_after_the_genuine_one_was_accepted():
    token = _device_token()
    decode_token(SETTINGS, token, DEVICE)
    header, payload, signature = token.split(".")
    tampered = ".".join([header, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")])
    with pytest.raises(Unauthorized, match="invalid"):
        decode_token(SETTINGS, tampered, DEVICE)
