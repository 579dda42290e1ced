"""How far behind a consumer is, and whether it still makes progress: lag and the age of the oldest record
not yet handled, per topic and partition, as metrics; a stall as a problem for `/readyz`.

A consumer can be connected, its database up, and still do nothing useful: one message retried again and
again holds every record behind it in its partition. The records a poll fetched are "in hand" until the
transaction that handles them commits; when one stays in hand longer than the stall budget, or records wait
on the broker and nothing was handled for that long, the consumer is stalled.
"""

import time
from functools import partial

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from prometheus_client import Gauge

from kentongan import metrics


class ConsumerProgress:
    """The progress of one consumer-group member, fed by its loop after each fetch and each handled poll."""

    def __init__(self, service: str, group_id: str, stall_after_s: float) -> None:
        self._service = service
        self._group_id = group_id
        self._stall_after_s = stall_after_s
        self._in_hand: dict[TopicPartition, tuple[float, float, int]] = {}  # fetched at, produced at, offset
        self._lag: dict[TopicPartition, int] = {}
        self._last_handled = time.monotonic()

    def fetched(self, consumer: AIOKafkaConsumer, batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        now = time.monotonic()
        for partition, records in batches.items():
            first = records[0]
            if partition not in self._in_hand:
                self._in_hand[partition] = (now, first.timestamp / 1000, first.offset)
                self._age_gauge(partition).set_function(partial(self._oldest_age, partition))
            self._report_lag(consumer, partition, first.offset - 1)

    def handled(self, consumer: AIOKafkaConsumer, batches: dict[TopicPartition, list[ConsumerRecord]]) -> None:
        self._last_handled = time.monotonic()
        for partition, records in batches.items():
            self._in_hand.pop(partition, None)
            self._report_lag(consumer, partition, records[-1].offset)

    def problem(self) -> str | None:
        """Why the consumer is stalled, or None."""
        now = time.monotonic()
        for partition, (fetched_at, _, offset) in self._in_hand.items():
            if now - fetched_at > self._stall_after_s:
                return (f"{self._group_id} has been handling {partition.topic}[{partition.partition}] offset "
                        f"{offset} for {now - fetched_at:.0f} s (budget {self._stall_after_s:.0f} s); the "
                        f"records behind it wait")
        # Records waiting on the broker in partitions not in hand: the consumer does not even fetch them.
        behind = sum(lag for partition, lag in self._lag.items() if partition not in self._in_hand)
        if behind and now - self._last_handled > self._stall_after_s:
            return (f"{self._group_id} is {behind} records behind and has handled none for "
                    f"{now - self._last_handled:.0f} s (budget {self._stall_after_s:.0f} s)")
        return None

    def _oldest_age(self, partition: TopicPartition) -> float:
        in_hand = self._in_hand.get(partition)
        return max(0.0, time.time() - in_hand[1]) if in_hand else 0.0

    def _age_gauge(self, partition: TopicPartition) -> Gauge:
        return metrics.CONSUMER_OLDEST_AGE.labels(self._service, partition.topic, str(partition.partition))

    def _report_lag(self, consumer: AIOKafkaConsumer, partition: TopicPartition, last_handled_offset: int) -> None:
        if partition not in consumer.assignment():  # moved to another member meanwhile: its lag is theirs
            self._lag.pop(partition, None)
            return
        end = consumer.highwater(partition)
        if end is not None:
            self._lag[partition] = max(0, end - last_handled_offset - 1)
            metrics.CONSUMER_LAG.labels(self._service, partition.topic, str(partition.partition)).set(
                self._lag[partition])
