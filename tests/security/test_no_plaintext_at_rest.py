"""No victim free text and no reporter contact is ever written in clear to PostgreSQL, the broker or a log.

A private embedded stack (its own PostgreSQL, broker and service logs under one folder) runs report-intake,
alarm-gateway, dispatch and notifier with uncompressed Kafka batches, so that plain text written anywhere would
be found by a byte search.
Two cases go through the whole flow with a unique random marker in every free-text field and in the reporter's
phone and email: report -> referral -> accept -> progress -> messages both ways -> a read with an access
reason -> close, and report -> referral -> decline. A victim raises a panic alarm with a note (alarm-gateway
stores it and sends it on alarms.v1, dispatch files it, a supervisor reads it). A caller goes through hers too, with a marker in her name,
medical notes, emergency contact and call-back note and unique phones: profile -> phone verification by SMS
code -> alarm -> dispatch reads the caller and records a call-back -> the contact is texted -> an SMS panic
from her phone. An operator writes a note on an incident and resolves it with an outcome;
a caller calls an alarm off with a reason. The partner's signed webhook, the SMS provider and the operator receive the text and the
phones in clear (the platform still works); afterwards the whole data directory (PostgreSQL heap files and WAL after a
checkpoint, the broker's data files with its record batches decoded, every service log) is searched and holds
none of the markers.

A control makes the search trustworthy: the coarse area a case is routed by is kept in clear by design (in the
report row and in the referral event), so a unique area name must be found both in PostgreSQL's files and in
the broker's. Values stay short (below PostgreSQL's TOAST compression threshold) so the heap holds them as
written.
"""

import asyncio
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import httpx
import orjson
import pytest
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from kentongan.db import create_engine
from kentongan.dev.platform import ServiceProcess
from kentongan.dev.receivers import read_body, serving
from kentongan.dev.stack import DevStack, free_port
from kentongan.dev.testing import eventually
from kentongan.migrations import prepare
from kentongan.security import operator_token, partner_token
from kentongan.service import installed_services
from kentongan.settings import ServiceSettings

SERVICES = ("report-intake", "alarm-gateway", "dispatch", "notifier")
# alarm-gateway's development secret for inbound SMS (the test environment accepts it).
SMS_INBOUND_SECRET = "whsec_ZGV2LW9ubHktc21zLWluYm91bmQtc2VjcmV0"
BROKER_DATA_FILE = "kafka.json"
REFERRAL_EVENTS = ["kentongan.referral.created", "kentongan.referral.accepted", "kentongan.referral.declined",
                   "kentongan.referral.in_progress", "kentongan.referral.closed"]


class PrivateStack:
    """PostgreSQL, the broker and the services' logs, all under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.devstack = DevStack(root / "stack", pg_port=free_port(), kafka_port=free_port())
        self.env = {**self.devstack.environment(), "KENTONGAN_ENV": "test",
                    # Uncompressed batches: text inside a compressed batch would escape the byte search.
                    "KAFKA_COMPRESSION": "none",
                    # The SMS provider and the partner's endpoint listen on 127.0.0.1 (also when this file runs
                    # alone, without the session stack that allows it for every test).
                    "KENTONGAN_OUTBOUND_ALLOW_PRIVATE": "true"}
        self.processes: list[ServiceProcess] = []

    def start(self) -> None:
        self.devstack.start()
        settings = ServiceSettings(database_url=self.env["DATABASE_URL"],
                                   kafka_bootstrap_servers=self.env["KAFKA_BOOTSTRAP_SERVERS"])
        specs = [spec for spec in installed_services() if spec.name in SERVICES]
        with _environment(self.env):  # migrations read the services' settings (their keyrings) from it
            prepare(settings, specs)

    def start_service(self, name: str, **env: str) -> ServiceProcess:
        [spec] = [spec for spec in installed_services() if spec.name == name]
        process = ServiceProcess(spec, {**self.env, **env}, free_port(), self.root / "logs")
        self.processes.append(process)
        process.start()
        return process

    def stop(self) -> None:
        for process in self.processes:
            process.stop()
        self.devstack.stop()


class _environment:
    def __init__(self, env: dict[str, str]) -> None:
        self._env, self._saved = env, {k: os.environ.get(k) for k in env}

    def __enter__(self) -> None:
        os.environ.update(self._env)

    def __exit__(self, *_) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def private_stack() -> Iterator[PrivateStack]:
    stack = PrivateStack(Path(tempfile.mkdtemp(prefix="kentongan-at-rest-")))
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        shutil.rmtree(stack.root, ignore_errors=True)


class Receiver:
    """The SMS provider and the partner's webhook endpoint: keeps every body it is sent."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []

    async def __call__(self, scope, receive, send) -> None:
        self.bodies.append(orjson.loads(await read_body(receive)))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def webhook(self, event_type: str, referral_id: str) -> dict | None:
        return next((b for b in self.bodies if b.get("type") == event_type
                     and b["data"]["referral_id"] == referral_id), None)


def _marker(kind: str) -> str:
    return f"mk{kind}{secrets.token_hex(6)}"


def _report(markers: dict[str, str], area: str) -> dict:
    return {
        "category": "domestic_violence", "narrative": f"Saya dipukul {markers['narrative']}",
        "location": {"kelurahan": area, "kecamatan": "Pedurungan"},
        "victim": {"age_group": "adult", "gender": "female", "is_reporter": True},
        "perpetrator_relation": "partner", "anonymous": True,
        "contact": {"phone": markers["phone"], "email": f"{markers['email']}@example.org", "safe_to_contact": True},
        "consent": {"share_with_agencies": True, "contact_me": True},
    }


async def test_no_marker_of_a_case_is_found_anywhere_in_the_data_directory(private_stack):
    receiver = Receiver()
    receiver_port = free_port()
    async with serving(receiver, receiver_port):
        receiver_url = f"http://127.0.0.1:{receiver_port}"
        intake = private_stack.start_service("report-intake")
        gateway = private_stack.start_service("alarm-gateway")
        dispatch = private_stack.start_service("dispatch")
        notifier = private_stack.start_service("notifier", NOTIFIER_SMS_URL=f"{receiver_url}/sms")
        operator = {"Authorization": f"Bearer {operator_token(ServiceSettings(), 'operator')}"}
        dp3a = {"Authorization": f"Bearer {partner_token(ServiceSettings(), 'dp3a')}"}
        async with (httpx.AsyncClient(base_url=intake.url, timeout=10) as reporter,
                    httpx.AsyncClient(base_url=intake.url, timeout=10, headers=dp3a) as partner,
                    httpx.AsyncClient(base_url=notifier.url, timeout=10, headers=dp3a) as partner_notifier,
                    httpx.AsyncClient(base_url=gateway.url, timeout=10) as phone,
                    httpx.AsyncClient(base_url=dispatch.url, timeout=10, headers=operator) as console):
            subscribed = await partner_notifier.post("/v1/subscriptions", json={
                "url": f"{receiver_url}/webhook", "event_types": REFERRAL_EVENTS})
            assert subscribed.status_code == 201, subscribed.text
            closed, markers_closed = await _report_accepted_progressed_and_closed(reporter, partner, receiver)
            declined, markers_declined = await _report_declined(reporter, partner, receiver)
            markers_caller = await _caller_known_called_back_and_texting(phone, console, receiver)
            alarm_note, incident_id = await _alarm_with_a_note(gateway.url, dispatch.url)
            operator_markers = await _operator_note_and_outcome(console, incident_id)
            cancel_reason = await _alarm_cancelled_with_a_reason(gateway.url, dispatch.url)
            phones = {markers_closed["phone"], markers_declined["phone"], markers_caller["contactphone"]}
            await eventually(lambda: _texted(receiver, phones), timeout_s=60)
            await _all_final(private_stack)

        # The partner and the reporter got what they need, in clear, over the wire.
        assert receiver.webhook("kentongan.referral.closed", closed)["data"]["outcome"] == markers_closed["outcome"]
        assert receiver.webhook("kentongan.referral.declined", declined)["data"]["reason"] == markers_declined["reason"]
        created = receiver.webhook("kentongan.referral.created", closed)["data"]
        assert created["contact"]["phone"] == markers_closed["phone"]

    await _checkpoint(private_stack)
    private_stack.stop()  # every file flushed and closed: logs, broker segments, WAL

    # The control: a value kept in clear by design is found in both stores, so the search can see.
    area = markers_closed["area"]
    assert _search(private_stack.root / "stack" / "postgres", {"area": area}), "the search cannot see PostgreSQL"
    assert _search(private_stack.root / "stack" / "kafka", {"area": area}), "the search cannot see the broker"
    found = _search(private_stack.root, {**_named(markers_closed, "closed"), **_named(markers_declined, "declined"),
                                         **_named(markers_caller, "caller"), "alarm.note": alarm_note,
                                         **_named(operator_markers, "operator"), "alarm.cancelreason": cancel_reason})
    assert found == {}, f"victim text, reporter contact or caller data written in clear: {found}"


async def _report_accepted_progressed_and_closed(reporter: httpx.AsyncClient, partner: httpx.AsyncClient,
                                                 receiver: Receiver) -> tuple[str, dict[str, str]]:
    markers = {kind: _marker(kind) for kind in
               ("narrative", "email", "acceptnote", "progressnote", "agencymsg", "reportermsg", "outcome", "why",
                "area")}
    markers["phone"] = f"+62812{secrets.randbelow(10**8):08d}"
    report_id, token, referral_id = await _submit(reporter, partner, _report(markers, markers["area"]))
    for step, body in (("accept", {"note": markers["acceptnote"]}), ("progress", {"note": markers["progressnote"]})):
        response = await partner.post(f"/v1/referrals/{referral_id}/{step}", json=body)
        assert response.status_code == 200, response.text
    written = await partner.post(f"/v1/referrals/{referral_id}/messages", json={"body": markers["agencymsg"]})
    assert written.status_code == 201, written.text
    answered = await reporter.post(f"/v1/reports/{report_id}/messages", json={"body": markers["reportermsg"]},
                                   headers={"X-Case-Token": token})
    assert answered.status_code == 201, answered.text
    thread = await partner.get(f"/v1/referrals/{referral_id}/messages")
    assert {m["body"] for m in thread.json()["items"]} == {markers["agencymsg"], markers["reportermsg"]}
    closed = await partner.post(f"/v1/referrals/{referral_id}/close", json={"outcome": markers["outcome"]})
    assert closed.status_code == 200, closed.text
    # Why the case worker opens the case goes to the audit log, in their words (they may name the victim).
    detail = (await partner.get(f"/v1/referrals/{referral_id}", headers={"X-Access-Reason": markers["why"]})).json()
    assert detail["outcome"] == markers["outcome"]
    assert [t.get("note") for t in detail["timeline"][1:3]] == [markers["acceptnote"], markers["progressnote"]]
    await eventually(lambda: _received(receiver, "kentongan.referral.closed", referral_id), timeout_s=60)
    return referral_id, markers


async def _alarm_with_a_note(gateway_url: str, dispatch_url: str) -> tuple[str, str]:
    """A victim's panic alarm with a note, through alarm-gateway and dispatch; a supervisor reads the note."""
    note = _marker("alarmnote")
    supervisor = {"Authorization": f"Bearer {operator_token(ServiceSettings(), 'supervisor')}"}
    async with (httpx.AsyncClient(base_url=gateway_url, timeout=10) as citizen,
                httpx.AsyncClient(base_url=dispatch_url, timeout=10, headers=supervisor) as command_center):
        registered = await citizen.post("/v1/devices", json={"platform": "android"})
        assert registered.status_code == 201, registered.text
        citizen.headers["Authorization"] = f"Bearer {registered.json()['token']}"
        alarm = {"id": str(uuid4()), "lat": -6.99, "lon": 110.42, "accuracy_m": 8.0, "category": "violence",
                 "note": note}
        raised = await citizen.post("/v1/alarms", json=alarm)
        assert raised.status_code == 202, raised.text
        assert raised.json()["note"] == note  # the caller's own view

        async def filed() -> dict | None:
            found = (await command_center.get("/v1/incidents", params={"alarm_id": alarm["id"]})).json()["items"]
            return found[0] if found else None

        incident = await eventually(filed, timeout_s=30)
        detail = (await command_center.get(f"/v1/incidents/{incident['id']}")).json()
    assert [a["note"] for a in detail["alarms"]] == [note]
    return note, incident["id"]


async def _alarm_cancelled_with_a_reason(gateway_url: str, dispatch_url: str) -> str:
    """A caller calls a (non-private) alarm off with a reason: alarm-gateway keeps it and sends it on alarms.v1,
    dispatch files it on the alarm and in the incident's outcome; the caller and a supervisor read it."""
    reason = _marker("cancelreason")
    supervisor = {"Authorization": f"Bearer {operator_token(ServiceSettings(), 'supervisor')}"}
    async with (httpx.AsyncClient(base_url=gateway_url, timeout=10) as citizen,
                httpx.AsyncClient(base_url=dispatch_url, timeout=10, headers=supervisor) as command_center):
        registered = await citizen.post("/v1/devices", json={"platform": "android"})
        citizen.headers["Authorization"] = f"Bearer {registered.json()['token']}"
        alarm = {"id": str(uuid4()), "lat": -6.95, "lon": 110.46, "accuracy_m": 8.0, "category": "crime"}
        assert (await citizen.post("/v1/alarms", json=alarm)).status_code == 202

        async def filed() -> dict | None:
            found = (await command_center.get("/v1/incidents", params={"alarm_id": alarm["id"]})).json()["items"]
            return found[0] if found else None

        incident = await eventually(filed, timeout_s=30)
        cancelled = await citizen.post(f"/v1/alarms/{alarm['id']}/cancel", json={"reason": reason})
        assert cancelled.status_code == 200 and cancelled.json()["cancel_reason"] == reason, cancelled.text

        async def called_off() -> dict | None:
            detail = (await command_center.get(f"/v1/incidents/{incident['id']}")).json()
            return detail if detail["alarms"][0]["cancelled_at"] else None

        detail = await eventually(called_off, timeout_s=30)
    assert detail["alarms"][0]["cancel_reason"] == reason
    assert reason in (detail["outcome"] or "") + " ".join(note["text"] for note in detail["notes"])
    return reason


async def _operator_note_and_outcome(console: httpx.AsyncClient, incident_id: str) -> dict[str, str]:
    """An operator writes a note on the incident and resolves it with an outcome, then reads both back."""
    markers = {kind: _marker(kind) for kind in ("operatornote", "outcome")}
    noted = await console.post(f"/v1/incidents/{incident_id}/notes", json={"text": markers["operatornote"]})
    assert noted.status_code == 201 and noted.json()["text"] == markers["operatornote"], noted.text
    resolved = await console.post(f"/v1/incidents/{incident_id}/status",
                                  json={"status": "resolved", "outcome": markers["outcome"]})
    assert resolved.status_code == 200, resolved.text
    detail = (await console.get(f"/v1/incidents/{incident_id}")).json()
    notes = (await console.get(f"/v1/incidents/{incident_id}/notes")).json()["items"]
    assert detail["outcome"] == markers["outcome"]
    assert markers["operatornote"] in [note["text"] for note in notes + detail["notes"]]
    return markers


async def _report_declined(reporter: httpx.AsyncClient, partner: httpx.AsyncClient,
                           receiver: Receiver) -> tuple[str, dict[str, str]]:
    markers = {kind: _marker(kind) for kind in ("narrative", "email", "reason", "area")}
    markers["phone"] = f"+62813{secrets.randbelow(10**8):08d}"
    _, _, referral_id = await _submit(reporter, partner, _report(markers, markers["area"]))
    declined = await partner.post(f"/v1/referrals/{referral_id}/decline", json={"reason": markers["reason"]})
    assert declined.status_code == 200, declined.text
    await eventually(lambda: _received(receiver, "kentongan.referral.declined", referral_id), timeout_s=60)
    return referral_id, markers


async def _caller_known_called_back_and_texting(phone: httpx.AsyncClient, console: httpx.AsyncClient,
                                                receiver: Receiver) -> dict[str, str]:
    """A caller's whole flow; returns her markers (phones as digits, as the search looks for them)."""
    markers = {kind: _marker(kind) for kind in ("name", "medical", "contactname", "relation", "callbacknote",
                                                "smstext")}
    markers["phone"] = f"+62812{10**7 + secrets.randbelow(9 * 10**7)}"
    markers["contactphone"] = f"+62813{10**7 + secrets.randbelow(9 * 10**7)}"
    registered = (await phone.post("/v1/devices", json={"platform": "android"})).json()
    phone.headers["Authorization"] = f"Bearer {registered['token']}"
    profile = {"name": markers["name"], "phone": markers["phone"], "medical_notes": markers["medical"],
               "emergency_contacts": [{"name": markers["contactname"], "phone": markers["contactphone"],
                                       "relation": markers["relation"]}]}
    assert (await phone.put("/v1/devices/me/profile", json=profile)).status_code == 200
    assert (await phone.post("/v1/devices/me/phone/verification")).status_code == 202
    await eventually(lambda: _texted(receiver, {markers["phone"]}), timeout_s=60)
    [code] = [re.search(r"\b(\d{6})\b", b["message"]).group(1) for b in receiver.bodies if b.get("to") == markers["phone"]]
    confirmed = await phone.post("/v1/devices/me/phone/verification/confirm", json={"code": code})
    assert confirmed.json() == {"phone_verified": True}, confirmed.text

    alarm = {"id": str(uuid4()), "lat": -6.9932, "lon": 110.4203, "accuracy_m": 8.0, "category": "medical",
             "silent": False}
    assert (await phone.post("/v1/alarms", json=alarm)).status_code == 202

    async def placed() -> str | None:
        found = (await console.get("/v1/incidents", params={"alarm_id": alarm["id"]})).json()["items"]
        return found[0]["id"] if found else None

    incident_id = await eventually(placed, timeout_s=60)

    async def caller_shown() -> dict | None:
        callers = (await console.get(f"/v1/incidents/{incident_id}/callers")).json()["callers"]
        return callers[0] if callers and callers[0]["phone_verified"] else None

    caller = await eventually(caller_shown, timeout_s=30)
    assert (caller["name"], caller["medical_notes"]) == (markers["name"], markers["medical"])
    called = await console.post(f"/v1/incidents/{incident_id}/callbacks", json={
        "caller_phone": markers["phone"], "outcome": "no_answer", "note": markers["callbacknote"]})
    assert called.status_code == 201, called.text
    await eventually(lambda: _texted(receiver, {markers["contactphone"]}), timeout_s=60)
    alert = next(b for b in receiver.bodies if b.get("to") == markers["contactphone"])
    assert markers["name"] in alert["message"]

    # An SMS panic from her phone (the text is never kept).
    body, webhook_id, now = orjson.dumps({"from": markers["phone"], "text": f"TOLONG {markers['smstext']}"}), \
        f"msg_{uuid4().hex}", datetime.now(UTC)
    signature = Webhook(SMS_INBOUND_SECRET).sign(webhook_id, now, body.decode())
    inbound = await phone.post("/v1/sms/inbound", content=body, headers={
        "webhook-id": webhook_id, "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signature,
        "content-type": "application/json"})
    assert inbound.status_code == 200 and inbound.json()["alarm_id"], inbound.text
    await eventually(lambda: _texted_twice(receiver, markers["phone"]), timeout_s=60)  # code, then confirmation
    return markers


async def _texted_twice(receiver: Receiver, phone: str) -> bool:
    return sum(b.get("to") == phone for b in receiver.bodies) >= 2


async def _submit(reporter: httpx.AsyncClient, partner: httpx.AsyncClient, body: dict) -> tuple[str, str, str]:
    submitted = await reporter.post("/v1/reports", json=body)
    assert submitted.status_code == 201, submitted.text
    report_id, token = submitted.json()["report_id"], submitted.json()["case_token"]
    referrals = (await partner.get("/v1/referrals", params={"limit": 200})).json()["items"]
    [referral_id] = [r["id"] for r in referrals if r["report_id"] == report_id]
    return report_id, token, referral_id


async def _received(receiver: Receiver, event_type: str, referral_id: str) -> bool:
    return receiver.webhook(event_type, referral_id) is not None


async def _texted(receiver: Receiver, phones: set[str]) -> bool:
    return phones <= {b.get("to") for b in receiver.bodies}


async def _all_final(stack: PrivateStack) -> None:
    """Wait until every producer's outbox is published and every notifier delivery is delivered."""
    engine = create_engine(stack.env["DATABASE_URL"], pool_size=1)

    async def settled() -> bool:
        async with engine.connect() as connection:
            pending = await connection.scalar(text(
                "SELECT (SELECT count(*) FROM report_intake.outbox WHERE published_at IS NULL)"
                " + (SELECT count(*) FROM alarm_gateway.outbox WHERE published_at IS NULL)"
                " + (SELECT count(*) FROM dispatch.outbox WHERE published_at IS NULL)"
                " + (SELECT count(*) FROM notifier.deliveries WHERE status <> 'delivered')"))
            return pending == 0

    try:
        await eventually(settled, timeout_s=60)
        await asyncio.sleep(1.5)  # the delivery worker records outcomes in batches
    finally:
        await engine.dispose()


async def _checkpoint(stack: PrivateStack) -> None:
    """Write every dirty page to the data files (the WAL has the records already)."""
    engine = create_engine(stack.env["DATABASE_URL"], pool_size=1)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("CHECKPOINT"))
    finally:
        await engine.dispose()


def _named(markers: dict[str, str], case: str) -> dict[str, str]:
    searched = {f"{case}.{kind}": value for kind, value in markers.items() if kind != "area"}
    for kind in ("phone", "contactphone"):
        if kind in markers:  # JSON may escape the "+", never the digits
            searched[f"{case}.{kind}"] = markers[kind].lstrip("+")
    return searched


def _search(root: Path, markers: dict[str, str]) -> dict[str, list[str]]:
    """marker name -> the files under `root` holding it, byte for byte (like grep -r)."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        content = _stored_bytes(path)
        for name, value in markers.items():
            if value.encode() in content:
                found.setdefault(name, []).append(str(path.relative_to(root)))
    return found


def _stored_bytes(path: Path) -> bytes:
    """A file's bytes; for the embedded broker's data file, also the record batches it keeps as JSON arrays of
    byte values (noida-db's storage format), which a plain grep would not see."""
    content = path.read_bytes()
    if path.name != BROKER_DATA_FILE:
        return content
    batches = [bytes(batch) for _, topic in orjson.loads(content)["topics"]
               for _, partition in topic["partitions"] for _, batch in partition["record_batches"]]
    return b"\n".join([content, *batches])
