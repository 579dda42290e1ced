"""Fail closed in production: `kentongan check` names every weak or missing production setting and exits 1;
every service refuses to start with them; docs, open metrics and the development inbox are off there."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from kentongan.crypto import development_keys
from kentongan.dev.platform import ServiceProcess
from kentongan.dev.stack import free_port
from kentongan.service import installed_services


def _random_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _development_key_bytes(service: str) -> str:
    """The base64 of a service's development key, to list under an innocent-looking key id."""
    return development_keys(service).get_secret_value().partition(":")[2]


GOOD = {
    "KENTONGAN_ENV": "production",
    "DATABASE_URL": "postgresql+asyncpg://kentongan:pw@db.internal:5432/kentongan",
    "KAFKA_BOOTSTRAP_SERVERS": "kafka-0.internal:9092",
    "KENTONGAN_JWT_SECRET": secrets.token_urlsafe(48),
    "KENTONGAN_METRICS_TOKEN": secrets.token_urlsafe(32),
    "KENTONGAN_TRUSTED_PROXIES": "10.8.0.0/16",
    "KENTONGAN_OIDC_ISSUER": "https://sso.example.go.id/realms/command-center",
    "REPORT_INTAKE_ENCRYPTION_KEYS": f"k2026:{_random_key()}",
    "REPORT_INTAKE_ACTIVE_KEY_ID": "k2026",
    "NOTIFIER_ENCRYPTION_KEYS": f"k2026:{_random_key()}",
    "NOTIFIER_ACTIVE_KEY_ID": "k2026",
    "ALARM_GATEWAY_ENCRYPTION_KEYS": f"k2026:{_random_key()}",
    "ALARM_GATEWAY_ACTIVE_KEY_ID": "k2026",
    "DISPATCH_ENCRYPTION_KEYS": f"k2026:{_random_key()}",
    "DISPATCH_ACTIVE_KEY_ID": "k2026",
    "KENTONGAN_BUS_KEYS": f"k2026:{_random_key()}",
    "KENTONGAN_BUS_ACTIVE_KEY_ID": "k2026",
    "KENTONGAN_CALLER_KEYS": f"k2026:{_random_key()}",
    "KENTONGAN_CALLER_ACTIVE_KEY_ID": "k2026",
    "ALARM_GATEWAY_LOOKUP_KEY": secrets.token_urlsafe(32),
    "CCTV_INGEST_LIVE_TICKET_KEY": secrets.token_urlsafe(32),
    "ALARM_GATEWAY_SMS_INBOUND_SECRET": f"whsec_{_random_key()}",
    "NOTIFIER_SMS_URL": "https://sms.example.co.id/send",
    "NOTIFIER_PUSH_URL": "https://push.example.co.id/v1/send",
}

WEAK = {
    **GOOD,
    "KENTONGAN_JWT_SECRET": "a",
    # The development keys themselves, under ids that do not say so.
    "REPORT_INTAKE_ENCRYPTION_KEYS": f"prod:{_development_key_bytes('report-intake')}",
    "REPORT_INTAKE_ACTIVE_KEY_ID": "prod",
    "NOTIFIER_ENCRYPTION_KEYS": f"k1:{base64.b64encode(b'x' * 32).decode()}",
    "NOTIFIER_ACTIVE_KEY_ID": "k1",
    "KENTONGAN_BUS_KEYS": f"bus:{_development_key_bytes('bus')}",
    "KENTONGAN_BUS_ACTIVE_KEY_ID": "bus",
    "NOTIFIER_SMS_URL": "",
    "NOTIFIER_DEV_INBOX": "true",
    "KENTONGAN_API_DOCS": "true",
    "KENTONGAN_METRICS_PUBLIC": "true",
    "KENTONGAN_OUTBOUND_ALLOW_PRIVATE": "true",
    "KENTONGAN_TRUSTED_PROXIES": "0.0.0.0/0",
}


def _clean_environment() -> dict[str, str]:
    """This process's environment without any setting of the platform (the tests' stack sets some)."""
    prefixes = ("KENTONGAN_", "DATABASE_", "KAFKA_", "NOTIFIER_", "REPORT_INTAKE_", "ALARM_GATEWAY_",
                "DISPATCH_", "CCTV_INGEST_")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def kentongan_check(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kentongan.cli", "check", *args],  # our own CLI
                          env={**_clean_environment(), **env}, capture_output=True, text=True, timeout=120,
                          check=False)


def _section(output: str, service: str) -> str:
    """The lines `kentongan check` printed for one service."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{service}:"))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return "\n".join(lines[start:end])


def test_weak_production_settings_are_each_named_and_the_check_fails():
    result = kentongan_check(WEAK)

    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    for service in (spec.name for spec in installed_services()):
        section = _section(out, service)
        assert "KENTONGAN_JWT_SECRET: 1 characters is too short" in section
        assert "KENTONGAN_API_DOCS" in section
        assert "KENTONGAN_METRICS_PUBLIC" in section
        assert "KENTONGAN_OUTBOUND_ALLOW_PRIVATE" in section
        assert "KENTONGAN_TRUSTED_PROXIES: trusts X-Forwarded-For from every address" in section
    intake = _section(out, "report-intake")
    assert ("REPORT_INTAKE_ENCRYPTION_KEYS: key 'prod' is a development key (recognised by its value)"
            in intake)
    notifier = _section(out, "notifier")
    assert "NOTIFIER_ENCRYPTION_KEYS: key 'k1' is not random" in notifier
    for section in (intake, notifier, _section(out, "alarm-gateway"), _section(out, "dispatch")):  # the bus keyring
        assert "KENTONGAN_BUS_KEYS: key 'bus' is a development key (recognised by its value)" in section
    assert "NOTIFIER_DEV_INBOX" in notifier
    assert "NOTIFIER_SMS_URL: no SMS provider" in notifier
    assert "NOTIFIER_PUSH_URL" not in notifier  # configured
    # No secret is ever printed.
    assert _development_key_bytes("report-intake") not in out


def test_long_but_guessable_secrets_and_placeholders_are_refused():
    result = kentongan_check({**GOOD, "KENTONGAN_JWT_SECRET": "passwordpasswordpasswordpassword",
                              "KENTONGAN_METRICS_TOKEN": "change-me-change-me-change-me-change-me"})

    assert result.returncode == 1
    assert "KENTONGAN_JWT_SECRET: too little entropy" in result.stdout
    assert "KENTONGAN_METRICS_TOKEN: still holds a development placeholder" in result.stdout


def test_missing_database_and_broker_are_named():
    env = {k: v for k, v in GOOD.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
    result = kentongan_check(env)

    assert result.returncode == 1
    assert "DATABASE_URL: missing" in result.stdout and "KAFKA_BOOTSTRAP_SERVERS: missing" in result.stdout


def test_production_without_an_oidc_provider_is_named_for_every_service():
    missing = kentongan_check({k: v for k, v in GOOD.items() if k != "KENTONGAN_OIDC_ISSUER"})
    plain = kentongan_check({**GOOD, "KENTONGAN_OIDC_ISSUER": "http://sso.example.go.id/realms/command-center"})

    assert missing.returncode == 1 and plain.returncode == 1
    for spec in installed_services():
        assert "KENTONGAN_OIDC_ISSUER: missing" in _section(missing.stdout, spec.name)
        assert "KENTONGAN_OIDC_ISSUER: not https" in _section(plain.stdout, spec.name)


def test_good_production_settings_pass():
    result = kentongan_check(GOOD)

    assert result.returncode == 0, result.stdout + result.stderr
    for spec in installed_services():
        assert f"{spec.name}: ok" in result.stdout


def test_outside_production_the_check_reports_but_passes_unless_asked_to_judge_as_production():
    development = {**WEAK, "KENTONGAN_ENV": "development"}

    relaxed = kentongan_check(development)
    strict = kentongan_check(development, "--production")

    assert relaxed.returncode == 0 and "KENTONGAN_JWT_SECRET" in relaxed.stdout
    assert strict.returncode == 1 and "KENTONGAN_JWT_SECRET" in strict.stdout


def test_a_service_refuses_to_start_in_production_with_weak_settings(tmp_path: Path):
    spec = next(spec for spec in installed_services() if spec.name == "alarm-gateway")
    process = ServiceProcess(spec, {**_clean_environment(), **WEAK}, free_port(), tmp_path)

    try:
        with pytest.raises(RuntimeError, match="exited"):
            process.start()
    finally:
        process.stop()  # if it did start, it must not outlive the test

    log = process.log_path.read_text()
    assert "refuses to start in production" in log
    assert "KENTONGAN_JWT_SECRET" in log and "KENTONGAN_OUTBOUND_ALLOW_PRIVATE" in log


def _app(monkeypatch, env: dict[str, str], create_app):
    for key in [k for k in os.environ if k.startswith(("KENTONGAN_", "NOTIFIER_"))]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return create_app()


@pytest.mark.parametrize("service", ["notifier", "report-intake"])
def test_every_service_factory_refuses_weak_production_settings(monkeypatch, service):
    from kentongan.checks import WeakProductionSettings

    spec = next(spec for spec in installed_services() if spec.name == service)
    module, _, factory = spec.app.partition(":")
    create_app = getattr(__import__(module, fromlist=[factory]), factory)

    with pytest.raises(WeakProductionSettings) as refused:
        _app(monkeypatch, WEAK, create_app)

    assert "KENTONGAN_JWT_SECRET" in str(refused.value)


async def test_in_production_docs_are_off_and_metrics_need_the_token(monkeypatch):
    from alarm_gateway.main import create_app

    app = _app(monkeypatch, GOOD, create_app)
    token = GOOD["KENTONGAN_METRICS_TOKEN"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert (await client.get(path)).status_code == 404, path
        assert (await client.get("/metrics")).status_code == 401
        assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 401
        scraped = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert scraped.status_code == 200 and "kentongan_http_requests_total" in scraped.text


async def test_in_production_without_a_metrics_token_metrics_are_off(monkeypatch):
    from alarm_gateway.main import create_app

    env = {k: v for k, v in GOOD.items() if k != "KENTONGAN_METRICS_TOKEN"}
    app = _app(monkeypatch, env, create_app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
        assert (await client.get("/metrics")).status_code == 404


async def test_the_development_inbox_is_for_admins_and_off_when_not_enabled(serve, operator_headers):
    from notifier.main import create_app
    from notifier.settings import Settings

    async with serve(create_app(Settings(dev_inbox=True))) as notifier:
        assert (await notifier.get("/v1/dev/outbox")).status_code == 401
        assert (await notifier.get("/v1/dev/outbox", headers=operator_headers("operator"))).status_code == 403
        assert (await notifier.get("/v1/dev/outbox", headers=operator_headers("admin"))).status_code == 200
    async with serve(create_app(Settings(dev_inbox=False))) as notifier:
        assert (await notifier.get("/v1/dev/outbox", headers=operator_headers("admin"))).status_code == 404
