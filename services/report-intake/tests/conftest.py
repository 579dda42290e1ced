import asyncio
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy.ext.asyncio import create_async_engine

from kentongan.bus_crypto import BusKeyring
from kentongan.events import decode
from kentongan.kafka import connection_options
from report_intake.main import create_app
from report_intake.settings import Settings


@pytest.fixture(scope="module")
async def intake(serve):
    """Report-intake in-process, one per module: an app living the whole session would stay in the service's
    consumer group while the cross-service tests run the real process, holding partitions whenever a
    synchronous test blocks the event loop."""
    async with serve(create_app()) as client:
        yield client


@pytest.fixture(scope="session")
def bus(stack) -> BusKeyring:
    """The bus keyring, as notifier holds it: opens the sealed fields of report-intake's events."""
    return BusKeyring.from_settings(Settings())


@pytest.fixture(scope="session")
async def database(stack, settings):
    """A plain engine on the service's database, to look at rows as an attacker with a dump would."""
    engine = create_async_engine(settings.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
def report_body():
    """A builder of valid report bodies (a child victim of bullying at school by default)."""

    def build(**overrides):
        body = {
            "category": "bullying",
            "narrative": f"Anak saya dirundung di sekolah setiap hari ({uuid4()}).",
            "location": {"kelurahan": "Tembalang", "kecamatan": "Tembalang", "rt": "003/005"},
            "victim": {"age_group": "child", "gender": "male", "is_reporter": False},
            "perpetrator_relation": "classmate",
            "school": "SMP Negeri 99 Semarang",
            "anonymous": True,
            "consent": {"share_with_agencies": True, "contact_me": False},
            "immediate_danger": False,
        }
        body.update(overrides)
        return body

    return build


@pytest.fixture
def submit(intake):
    """Submit a report; returns (report_id, case_token)."""

    async def post(body):
        response = await intake.post("/v1/reports", json=body)
        assert response.status_code == 201, response.text
        return response.json()["report_id"], response.json()["case_token"]

    return post


@pytest.fixture
def staff_referrals(intake, operator_headers):
    """The referrals of a report as a supervisor sees them: {agency: status}."""

    async def read(report_id):
        response = await intake.get(f"/v1/staff/reports/{report_id}", headers=operator_headers("supervisor"))
        assert response.status_code == 200
        return {r["agency"]: r["status"] for r in response.json()["referrals"]}

    return read


@pytest.fixture
def referral_id_for(intake, partner_headers):
    """The id of the referral an agency holds for a report, from the agency's own list (None if absent)."""

    async def find(agency, report_id):
        after = None
        while True:  # every page: other tests refer cases to the same agencies
            listed = await intake.get("/v1/referrals", headers=partner_headers(agency),
                                      params={"limit": 500, **({"after": after} if after else {})})
            assert listed.status_code == 200
            found = next((r["id"] for r in listed.json()["items"] if r["report_id"] == report_id), None)
            if found is not None or (after := listed.json()["next"]) is None:
                return found

    return find


@pytest.fixture(scope="session")
def topic_events(settings):
    """Every event on `topic` whose subject is `subject`, read from the beginning with a real consumer."""

    async def read(topic, subject):
        consumer = AIOKafkaConsumer(**connection_options(settings), enable_auto_commit=False,
                                    isolation_level="read_committed")
        await consumer.start()
        try:
            partitions = [TopicPartition(topic, p) for p in sorted(await _partitions(consumer, topic))]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            end = await consumer.end_offsets(partitions)
            events = []
            while [tp for tp in partitions if await consumer.position(tp) < end[tp]]:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    events += [decode(r.headers, r.key, r.value) for r in records if r.key == subject.encode()]
            return events
        finally:
            await consumer.stop()

    return read


async def _partitions(consumer, topic):
    for _ in range(50):
        partitions = consumer.partitions_for_topic(topic)
        if partitions:
            return partitions
        await consumer.topics()
        await asyncio.sleep(0.1)
    raise AssertionError(f"topic {topic} has no partitions")
