"""The encryption keyring comes from settings; a development key refuses to run in production."""

import base64

import pytest
from cryptography.exceptions import InvalidTag
from pydantic import ValidationError

from kentongan.crypto import Keyring
from report_intake.crypto import open_json, seal_json
from report_intake.settings import Settings


def _key(fill: bytes) -> str:
    return base64.b64encode(fill * 32).decode()


def test_the_development_key_refuses_to_run_in_production(monkeypatch):
    monkeypatch.setenv("KENTONGAN_ENV", "production")
    monkeypatch.setenv("KENTONGAN_JWT_SECRET", "a-real-production-secret-of-enough-length")
    with pytest.raises(ValidationError, match="KENTONGAN_BUS_KEYS"):  # the bus keyring shared with notifier
        Settings()
    monkeypatch.setenv("KENTONGAN_BUS_KEYS", f"bus2026:{_key(b'b')}")
    monkeypatch.setenv("KENTONGAN_BUS_ACTIVE_KEY_ID", "bus2026")
    with pytest.raises(ValidationError, match="REPORT_INTAKE_ENCRYPTION_KEYS"):
        Settings()
    monkeypatch.setenv("REPORT_INTAKE_ENCRYPTION_KEYS", f"k2026:{_key(b'k')}")
    monkeypatch.setenv("REPORT_INTAKE_ACTIVE_KEY_ID", "k2026")
    assert Settings().active_key_id == "k2026"


@pytest.mark.parametrize(("keys", "active", "complaint"), [
    ("k1:" + base64.b64encode(b"short").decode(), "k1", "32 bytes"),
    ("k1:not base64!", "k1", "base64"),
    (f"k1:{base64.b64encode(b'a' * 32).decode()}", "k9", "not in"),
    ("", "k1", "no key"),
])
def test_a_broken_keyring_stops_the_service_at_start(monkeypatch, keys, active, complaint):
    monkeypatch.setenv("REPORT_INTAKE_ENCRYPTION_KEYS", keys)
    monkeypatch.setenv("REPORT_INTAKE_ACTIVE_KEY_ID", active)
    with pytest.raises(ValidationError, match=complaint):
        Settings()


def test_rotated_keys_still_open_old_rows_and_sealed_data_is_bound_to_its_row():
    old = Keyring({"k1": b"a" * 32}, "k1")
    sealed = seal_json(old, {"narrative": "rahasia"}, b"row-1")
    rotated = Keyring({"k1": b"a" * 32, "k2": b"b" * 32}, "k2")
    assert open_json(rotated, sealed.key_id, sealed.blob, b"row-1") == {"narrative": "rahasia"}
    assert seal_json(rotated, {"x": 1}, b"row-2").key_id == "k2"
    with pytest.raises(InvalidTag):
        open_json(rotated, sealed.key_id, sealed.blob, b"row-2")  # copied onto another row
    assert b"rahasia" not in sealed.blob
