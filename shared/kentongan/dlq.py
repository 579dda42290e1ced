"""Dead-lettered messages: what is parked on `<topic>.dlq`, why, and replaying it once the cause is fixed.

A consumer parks a message it could not handle after its retries on `<topic>.dlq`, with the original value,
key and headers plus `dlq_*` headers saying why (see `kentongan.consumer`). Replaying publishes the original
record to its topic again, without the `dlq_*` headers: the idempotent consumers make that safe (an event
already handled is skipped by its id), so replaying twice, or replaying a message that a fallback already
covered, changes nothing. Kafka topics are append-only: a replayed message stays on the dead-letter topic, and
`list` counts what was ever parked there within the topic's retention.
"""

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.cluster import ClusterMetadata

from kentongan.events.topics import ALL, dead_letter
from kentongan.kafka import connection_options, create_producer
from kentongan.settings import ServiceSettings

DLQ_HEADER_PREFIX = "dlq_"


@dataclass(frozen=True)
class DeadLetter:
    """One parked message and why it was parked."""

    topic: str
    partition: int
    offset: int
    parked_at: datetime
    event_id: str
    event_type: str
    subject: str
    error: str
    consumer_group: str
    record: ConsumerRecord[bytes, bytes]

    def summary(self) -> dict[str, object]:
        return {"topic": self.topic, "dlq_partition": self.partition, "dlq_offset": self.offset,
                "parked_at": self.parked_at.isoformat(), "event_id": self.event_id, "type": self.event_type,
                "subject": self.subject, "consumer_group": self.consumer_group, "error": self.error}


READ_TIMEOUT_S = 30.0  # a dead-letter topic is small; a read that takes longer has lost its broker


def source_topic(topic: str) -> str:
    """`alarms.v1` for `alarms.v1` or `alarms.v1.dlq`."""
    return topic.removesuffix(".dlq")


async def depths(settings: ServiceSettings, topics: list[str] | None = None) -> dict[str, int]:
    """How many messages each dead-letter topic holds (within its retention), by source topic."""
    topics = topics or ALL
    async with _reader(settings) as reader:
        cluster = await _cluster(reader)
        counts = {}
        for topic in topics:
            partitions = _partitions(cluster, dead_letter(topic))
            if not partitions:
                counts[topic] = 0
                continue
            first = await reader.beginning_offsets(partitions)
            last = await reader.end_offsets(partitions)
            counts[topic] = sum(last[p] - first[p] for p in partitions)
        return counts


async def read(settings: ServiceSettings, topic: str, limit: int | None = None) -> list[DeadLetter]:
    """The messages parked for `topic`, oldest first (at most `limit`)."""
    dlq = dead_letter(source_topic(topic))
    async with _reader(settings) as reader:
        partitions = _partitions(await _cluster(reader), dlq)
        if not partitions:
            return []
        reader.assign(partitions)
        first = await reader.beginning_offsets(partitions)
        end = await reader.end_offsets(partitions)
        # Sought explicitly: `seek_to_beginning` is a reset request that raced the reset to "latest" which
        # `assign` starts, and position() then and again stood at the end before a record was read (an empty
        # listing with a message parked).
        for partition, offset in first.items():
            reader.seek(partition, offset)
        pending = {partition for partition in partitions if first[partition] < end[partition]}
        parked: list[DeadLetter] = []
        deadline = time.monotonic() + READ_TIMEOUT_S
        while pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{dlq} could not be read to its end in {READ_TIMEOUT_S} s")
            batches = await reader.getmany(*pending, timeout_ms=1000)
            for partition, records in batches.items():
                parked += [_dead_letter(source_topic(topic), r) for r in records if r.offset < end[partition]]
            pending = {p for p in pending if await reader.position(p) < end[p]}
        parked.sort(key=lambda d: (d.parked_at, d.partition, d.offset))
        return parked[:limit] if limit is not None else parked


async def replay(settings: ServiceSettings, topic: str, event_ids: set[str] | None = None,
                 dry_run: bool = False) -> list[DeadLetter]:
    """Publish parked messages of `topic` (those with `event_ids`, or all) to the topic again; returns them."""
    chosen = [d for d in await read(settings, topic) if event_ids is None or d.event_id in event_ids]
    if dry_run or not chosen:
        return chosen
    producer = create_producer(settings, "kentongan-dlq-replay")
    await producer.start()
    try:
        for parked in chosen:
            headers = [(k, v) for k, v in parked.record.headers if not k.startswith(DLQ_HEADER_PREFIX)]
            await producer.send_and_wait(parked.topic, parked.record.value, key=parked.record.key,
                                         headers=headers)
    finally:
        await producer.stop()
    return chosen


class _reader:
    """A consumer outside any group (it commits nothing and disturbs no service's offsets)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._consumer = AIOKafkaConsumer(**connection_options(settings), group_id=None,
                                          enable_auto_commit=False, client_id="kentongan-dlq")

    async def __aenter__(self) -> AIOKafkaConsumer:
        await self._consumer.start()
        return self._consumer

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()


async def _cluster(reader: AIOKafkaConsumer) -> ClusterMetadata:
    """All topics and their partitions, asked of the broker now. (`AIOKafkaConsumer.partitions_for_topic()`
    reads the client's own view instead, which a background refresh for a consumer subscribed to nothing
    empties at any moment: a parked message then looked absent, now and then.)"""
    cluster: ClusterMetadata = await reader._client.fetch_all_metadata()
    return cluster


def _partitions(cluster: ClusterMetadata, topic: str) -> list[TopicPartition]:
    return [TopicPartition(topic, p) for p in sorted(cluster.partitions_for_topic(topic) or [])]


def _dead_letter(topic: str, record: ConsumerRecord[bytes, bytes]) -> DeadLetter:
    headers = {key: value.decode(errors="replace") for key, value in record.headers}
    return DeadLetter(
        topic=topic, partition=record.partition, offset=record.offset,
        parked_at=datetime.fromtimestamp(record.timestamp / 1000, UTC),
        event_id=headers.get("ce_id", "?"), event_type=headers.get("ce_type", "?"),
        subject=headers.get("ce_subject", ""), error=headers.get("dlq_error", ""),
        consumer_group=headers.get("dlq_consumer_group", ""), record=record)
