"""Kafka plumbing: producers, consumers and topics configured the same way in every service."""

import asyncio
import contextlib
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.consumer.fetcher import Fetcher
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context

from kentongan.settings import ServiceSettings

# A broker should hold an empty fetch up to fetch_max_wait_ms (Kafka does: long polling). The embedded
# noida broker answers at once, and aiokafka's fetcher then asks again at once: thousands of fetches a second
# per idle consumer, most of a core across the platform. So an empty fetch answered sooner than this is
# followed by a pause up to this interval; against Kafka, whose empty answers take fetch_max_wait_ms, it
# never pauses. It bounds the extra delay of a new record to this interval.
IDLE_FETCH_INTERVAL_S = 0.02
# A busy stream is fetched at most this often too (on Kafka as well). A fetch that brings records is otherwise
# followed by the next one at once, for whatever arrived meanwhile: under an alarm flood dispatch wrote ~11%
# of its CPU into fetch requests alone (py-spy), each bringing a record or two. The records a fetch brings are
# handed to a waiting consumer before the pause, so a lone record is not held back.
BUSY_FETCH_INTERVAL_S = 0.005


def _pace_empty_fetches() -> None:
    fetch = Fetcher._proc_fetch_request

    async def paced(self: Fetcher, assignment: Any, node_id: int, request: Any) -> bool:
        started = asyncio.get_running_loop().time()
        got_records: bool = await fetch(self, assignment, node_id, request)
        if got_records:  # hand them over now, not after the pause (the fetcher would only once this returns)
            for waiter in self._fetch_waiters:
                self._notify(waiter)
        interval = BUSY_FETCH_INTERVAL_S if got_records else IDLE_FETCH_INTERVAL_S
        # Closing or unassigned: like the fetch it wraps, end quietly.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(started + interval - asyncio.get_running_loop().time())
        return got_records

    Fetcher._proc_fetch_request = paced


_pace_empty_fetches()


def connection_options(settings: ServiceSettings) -> dict[str, Any]:
    """Bootstrap servers plus TLS/SASL options, shared by producers, consumers and the admin client."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(cafile=settings.kafka_ssl_cafile)
    if settings.kafka_security_protocol.startswith("SASL"):
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism or "PLAIN"
        options["sasl_plain_username"] = settings.kafka_sasl_username
        if settings.kafka_sasl_password is not None:
            options["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    return options


def create_producer(settings: ServiceSettings, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer that waits for all in-sync replicas: nothing acknowledged is lost."""
    return AIOKafkaProducer(
        **connection_options(settings),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        compression_type=None if settings.kafka_compression == "none" else settings.kafka_compression,
        linger_ms=2,
        request_timeout_ms=10_000,
    )


def create_consumer(settings: ServiceSettings, group_id: str, topics: list[str]) -> AIOKafkaConsumer:
    """A consumer-group member that commits offsets only after its database transaction committed."""
    instance = settings.kafka_group_instance_id
    return AIOKafkaConsumer(
        *topics,
        **connection_options(settings),
        group_id=group_id,
        group_instance_id=f"{instance}-{group_id}" if instance else None,
        client_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        max_poll_records=200,
    )


async def ensure_topics(settings: ServiceSettings, topics: list[str]) -> None:
    """Create missing topics (and their dead-letter twins); production declares them as resources instead."""
    admin = AIOKafkaAdminClient(**connection_options(settings), client_id="kentongan-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for name in topics for t in (name, f"{name}.dlq") if t not in existing]
        for topic in wanted:
            with contextlib.suppress(TopicAlreadyExistsError):  # another service created it first
                await admin.create_topics([NewTopic(topic, settings.kafka_topic_partitions,
                                                    settings.kafka_replication_factor)])
    finally:
        await admin.close()


async def broker_reachable(settings: ServiceSettings, timeout_s: float = 1.0) -> bool:
    """True when a TCP connection to one bootstrap server opens in time (used by /readyz)."""
    for server in settings.kafka_bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), timeout_s)
        except (TimeoutError, OSError, ValueError):
            continue
        writer.close()
        return True
    return False


async def stop_quietly(producer: AIOKafkaProducer | None) -> None:
    """Stop a producer being discarded (None passes); one that never connected may fail to stop."""
    if producer is not None:
        with contextlib.suppress(Exception):
            await producer.stop()
