"""Fixtures for notifier tests: the app with fast retries, a local webhook receiver, a Kafka publisher,
fresh map areas far from each other, and representatives placed around them."""

import asyncio
import importlib.util
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import pytest

from kentongan.dev.receivers import read_body, serving
from kentongan.dev.stack import free_port
from kentongan.dev.testing import eventually
from kentongan.events import Envelope, encode
from kentongan.kafka import create_producer
from notifier.main import create_app
from notifier.settings import Settings

# The fake messaging providers, importable by the tests as `notifier_fakes` (tests are not a package here).
_spec = importlib.util.spec_from_file_location("notifier_fakes", Path(__file__).with_name("fake_providers.py"))
assert _spec is not None and _spec.loader is not None
sys.modules["notifier_fakes"] = _fakes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fakes)

FAST = {"backoff_base_s": 0.05, "backoff_max_s": 0.2, "retry_window_s": 4.0, "request_timeout_s": 2.0,
        "interrupted_after_s": 3.0, "poll_interval_s": 0.2}


@pytest.fixture(scope="module")
async def notifier(serve):
    """The notifier in-process, its consumer and delivery workers running, retries fast (one per module, so a
    module that starts real processes has them to itself)."""
    app = create_app(Settings(**FAST))
    async with serve(app) as client:
        client.app = app
        yield client


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A local HTTP endpoint on 127.0.0.1 that records requests and answers per path as scripted."""

    port: int
    requests: list[Received] = field(default_factory=list)
    scripts: dict[str, list[int]] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)
    redirects: dict[str, str] = field(default_factory=dict)  # path -> where a 307 sends the client

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def on(self, path: str, *statuses: int) -> str:
        """Answer the next requests to `path` with `statuses`, then 200; returns the URL."""
        self.scripts[path] = list(statuses)
        return self.url(path)

    def to(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        self.requests.append(Received(path, {k.decode(): v.decode() for k, v in scope["headers"]},
                                      await read_body(receive)))
        while path in self.hang:  # held open until the test lets go
            await asyncio.sleep(0.1)
        script = self.scripts.get(path) or []
        status = script.pop(0) if script else 200
        headers = [(b"content-type", b"text/plain")]
        if path in self.redirects:
            status, headers = 307, [*headers, (b"location", self.redirects[path].encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture(scope="session")
async def receiver():
    app = Receiver(free_port())
    async with serving(app, app.port):
        yield app


@pytest.fixture(scope="session")
async def other_receiver():
    """A second receiver on a port of its own: another host to the per-host limits."""
    app = Receiver(free_port())
    async with serving(app, app.port):
        yield app


@pytest.fixture(scope="session")
async def publish(settings):
    """`await publish(event)` sends an event to its topic on the real broker and returns its envelope;
    `await publish(event, envelope=env)` re-sends an envelope (a redelivery)."""
    producer = create_producer(settings, "notifier-tests")
    await producer.start()

    async def send(event=None, envelope: Envelope | None = None) -> Envelope:
        envelope = envelope or Envelope.wrap(event, "/tests/notifier")
        message = encode(envelope)
        await producer.send_and_wait(envelope.topic, message.value, key=envelope.subject.encode(),
                                     headers=list(message.headers.items()))
        return envelope

    yield send
    await producer.stop()


@pytest.fixture
def area():
    """A point of its own, far from every other test's, so the shared database never mixes audiences."""
    return random.uniform(-50, 50), random.uniform(-170, 170)


@pytest.fixture
def place_representative(notifier, operator_headers):
    """`await place_representative(lat, lon, **fields)` registers one via the API; returns its body."""
    async def place(lat: float, lon: float, **fields) -> dict:
        code = fields.pop("code", f"T-{uuid4().hex[:12]}")
        body = {"code": code, "name": "Pak Test", "role": "rt", "kecamatan": "Semarang Tengah",
                "kelurahan": f"Kel {uuid4().hex[:8]}", "rw": "01", "rt": "01", "lat": lat, "lon": lon,
                "contacts": [{"channel": "sms", "address": f"+62{random.randint(10**9, 10**10)}"}], **fields}
        response = await notifier.put(f"/v1/representatives/{code}", json=body, headers=operator_headers("admin"))
        assert response.status_code == 200, response.text
        return response.json()

    return place


@pytest.fixture
def dev_outbox(notifier, operator_headers):
    """`await dev_outbox(event_id=..., target=...)`: the development inbox's messages, every page (it is for
    admins)."""
    async def read(**params) -> list[dict]:
        messages: list[dict] = []
        after = None
        while True:
            response = await notifier.get("/v1/dev/outbox", headers=operator_headers("admin"),
                                          params={**params, "limit": 500, **({"after": after} if after else {})})
            assert response.status_code == 200, response.text
            messages += response.json()["items"]
            if (after := response.json()["next"]) is None:
                return messages

    return read


@pytest.fixture
def outbox_of(dev_outbox):
    """`await outbox_of(event_id, count)`: the dev-inbox messages of an event once `count` have arrived."""
    async def messages(event_id: str, count: int) -> list[dict]:
        async def arrived():
            found = await dev_outbox(event_id=event_id)
            return found if len(found) >= count else None

        await eventually(arrived, timeout_s=20)
        await asyncio.sleep(0.5)  # anything extra (a duplicate) would have arrived by now
        return await dev_outbox(event_id=event_id)

    return messages


@pytest.fixture
def incident_event():
    """A builder of incident events: `incident_event(IncidentOpened, lat, lon, category="fire", ...)`."""
    from datetime import UTC, datetime

    def build(model, lat: float, lon: float, **fields):
        now = datetime.now(UTC)
        values = {"incident_id": uuid4(), "status": "open", "category": "fire", "priority": 2, "lat": lat,
                  "lon": lon, "area": "Semarang Tengah", "alarm_ids": [uuid4()], "opened_at": now,
                  "updated_at": now, "version": 1, **fields}
        return model(**values)

    return build
