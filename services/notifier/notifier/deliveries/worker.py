"""The delivery worker: claim due deliveries in the database, send them concurrently, record the outcome.

A delivery is claimed (status `sending`, committed) before its request goes out, so a crash or restart
mid-send can never send it twice: a claim older than the request timeout is marked `interrupted` instead
of being retried. Claims skip rows locked by other workers (FOR UPDATE SKIP LOCKED), and a per-host cap
on requests in flight keeps one slow endpoint from taking every slot.
"""

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kentongan.crypto import Keyring
from kentongan.notify import listen
from notifier import metrics
from notifier.channels.base import Channel, Outgoing, SendResult
from notifier.deliveries import fallback, receipts, repository, service, timeline
from notifier.settings import Settings
from notifier.subscriptions.secrets import open_secret

log = logging.getLogger(__name__)
CLAIM_INTERVAL_S = 0.01
OUTCOME_BATCH = 500  # outcomes written in one transaction at most
OUTCOME_LINGER_S = 0.1  # how long the first outcome of a batch waits for others (recorded, not sent, later)
# Configured providers take the whole pool; the per-host cap is for partner and representative endpoints.
PROVIDER_HOSTS = ("whatsapp", "sms", "push", "email", "dev")


class DeliveryWorker:
    def __init__(self, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                 channels: dict[str, Channel], keyring: Keyring) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._channels = channels
        self._keyring = keyring  # opens the targets kept sealed
        self._wake = asyncio.Event()
        # The last claim left due deliveries behind (no free slot, or their host at its cap): a finished send
        # wakes the loop to claim again. Otherwise only NOTIFY and the poll do: a claim finding nothing costs
        # four round trips, and every send finishing used to cause one.
        self._more_due = False
        self._in_flight: Counter[str] = Counter()
        self._tasks: set[asyncio.Task] = set()
        self._outcomes: asyncio.Queue[tuple[Row, SendResult, float]] = asyncio.Queue()
        self._last_recovery = 0.0

    async def run(self) -> None:
        """Send until cancelled; database hiccups are waited out."""
        helpers = [asyncio.create_task(self._listen()), asyncio.create_task(self._record_outcomes())]
        try:
            while True:
                try:
                    await self._recover_stale()
                    await self._claim()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - a database restart and the like
                    log.warning("delivery worker error, retrying: %r", exc)
                    await asyncio.sleep(1.0)
                    continue
                if not self._more_due or self._free_slots() == 0:
                    await self._wait()
                # Let completions gather so one claim serves many of them, not one round trip each.
                await asyncio.sleep(CLAIM_INTERVAL_S)
        finally:
            await self._drain(helpers)

    def _free_slots(self) -> int:
        return self._settings.delivery_concurrency - len(self._tasks)

    async def _wait(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._settings.poll_interval_s)
        self._wake.clear()

    async def _claim(self) -> int:
        """Claim up to the free slots' worth of due deliveries, within each host's cap, and start them."""
        free = self._free_slots()
        if free <= 0:
            self._more_due = True  # perhaps: a finished send claims again to see
            return 0
        busy = [host for host, n in self._in_flight.items() if n >= self._cap(host)]
        chosen: list[UUID] = []
        claimed: Sequence[Row] = []
        async with self._sessionmaker() as session, session.begin():
            planned = Counter(self._in_flight)
            due = await repository.lock_due(session, free * 2, busy)
            for row in due:
                if len(chosen) < free and planned[row.target_host] < self._cap(row.target_host):
                    planned[row.target_host] += 1
                    chosen.append(row.id)
            if chosen:
                claimed = await repository.mark_sending(session, chosen)
        self._more_due = len(due) > len(chosen) or bool(busy)
        for delivery in claimed:
            self._start(delivery)
        return len(claimed)

    def _cap(self, host: str) -> int:
        if host in PROVIDER_HOSTS:
            return self._settings.delivery_concurrency
        return self._settings.max_in_flight_per_host

    def _start(self, delivery: Row) -> None:
        self._in_flight[delivery.target_host] += 1
        task = asyncio.create_task(self._send(delivery))
        self._tasks.add(task)
        task.add_done_callback(lambda t: self._finished(t, delivery.target_host))

    def _finished(self, task: asyncio.Task, host: str) -> None:
        self._tasks.discard(task)
        self._in_flight[host] -= 1
        if self._in_flight[host] <= 0:
            del self._in_flight[host]
        if self._more_due:
            self._wake.set()

    async def _send(self, delivery: Row) -> None:
        started = time.perf_counter()
        try:
            target = service.target_of(self._keyring, delivery.id, delivery.target, delivery.target_key_id)
            secret = open_secret(self._keyring, delivery.subscription_id, delivery.secret,
                                 delivery.secret_key_id)
            payload = service.payload_of(self._keyring, delivery.id, delivery.payload, delivery.payload_key_id)
            message = Outgoing(delivery.id, delivery.channel, target, payload, secret)
            async with asyncio.timeout(self._settings.request_timeout_s):
                result = await self._channels[delivery.channel].send(message)
        except TimeoutError:
            result = SendResult(False, None, f"timed out after {self._settings.request_timeout_s} s")
        except Exception as exc:  # a channel bug must fail this delivery, not the worker
            log.exception("channel %s failed", delivery.channel)
            result = SendResult(False, None, repr(exc)[:1000])
        await self._outcomes.put((delivery, result, (time.perf_counter() - started) * 1000))

    async def _record_outcomes(self) -> None:
        """Write outcomes in batches: one transaction for many deliveries keeps up with the sends. After the
        first outcome the others finishing meanwhile are waited for a moment: a transaction (five or six round
        trips and a status event per incident) per handful of sends cost as much as the sends."""
        while True:
            batch = [await self._outcomes.get()]
            if self._outcomes.qsize() < OUTCOME_BATCH:
                await asyncio.sleep(OUTCOME_LINGER_S)
            while not self._outcomes.empty() and len(batch) < OUTCOME_BATCH:
                batch.append(self._outcomes.get_nowait())
            await self._write(batch)

    async def _write(self, batch: list[tuple[Row, SendResult, float]]) -> None:
        now = datetime.now(UTC)
        deliveries, attempts, changes, dropped_tokens = [], [], [], []
        for delivery, result, duration_ms in batch:
            state = service.after_send(self._settings, delivery, result, now)
            deliveries.append({"id": delivery.id, **state})
            attempts.append({"delivery_id": delivery.id, "number": delivery.attempts,
                             "outcome": "delivered" if result.ok else "failed", "status_code": result.status_code,
                             "error": result.error, "duration_ms": duration_ms})
            changes.append(timeline.change_of(delivery, state["status"], now))
            if result.unregistered:
                dropped_tokens.append(delivery.target)
            metrics.observe(delivery, state["status"], now)
        sent = [d["id"] for d in deliveries if d["status"] == "sent"]
        while True:
            try:
                async with self._sessionmaker() as session, session.begin():
                    await repository.record_outcomes(session, deliveries, attempts)
                    await repository.forget_final(session, [d.id for d, _, _ in batch if _sealed(d)])
                    await repository.drop_push_token(session, dropped_tokens)
                    await timeline.add(session, changes)
                    # Receipts that arrived before the provider's message id was written down.
                    await receipts.apply(session, await receipts.unapplied_for(session, sent))
                return
            except Exception as exc:  # noqa: BLE001 - keep the outcome until the database is back
                log.warning("could not record delivery outcomes, retrying: %r", exc)
                await asyncio.sleep(1.0)

    async def _recover_stale(self) -> None:
        """Fall back where due, and mark interrupted the claims older than a request could take (their worker
        died)."""
        if time.monotonic() - self._last_recovery < 1.0:
            return
        self._last_recovery = time.monotonic()
        cutoff = datetime.now(UTC) - timedelta(seconds=self._settings.interrupted_after_s)
        # One transaction for both once-a-second chores: alerts not delivered in time go to the recipient's
        # next channel (see `fallback`), and stale claims are marked interrupted.
        async with self._sessionmaker() as session, session.begin():
            queued = await fallback.fall_back_due(session, self._settings.fallback_after_s)
            if queued:
                log.info("fell back to the next channel for %d alerts", queued)
            stale = await repository.interrupt_stale(session, cutoff)
            await repository.forget_final(session, [i for i, _ in stale])
            if stale:
                await repository.record_outcomes(session, [], [
                    {"delivery_id": i, "number": n, "outcome": "interrupted", "status_code": None,
                     "error": "the notifier stopped during this attempt", "duration_ms": None}
                    for i, n in stale])
                log.warning("marked %d interrupted deliveries", len(stale))

    async def _listen(self) -> None:
        """Wake on every commit that enqueued deliveries (PostgreSQL LISTEN/NOTIFY); polling covers gaps."""
        await listen(self._settings.database_url, repository.WAKE_CHANNEL, lambda _: self._wake.set())

    async def _drain(self, helpers: list[asyncio.Task]) -> None:
        """On shutdown, let sends in flight finish (each is bounded by its timeout) and record them."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self._settings.request_timeout_s)
        while not self._outcomes.empty():
            batch = [self._outcomes.get_nowait() for _ in range(min(500, self._outcomes.qsize()))]
            await self._write(batch)
        for task in helpers:
            task.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)


def _sealed(delivery: Row) -> bool:
    """Whether the delivery keeps something sealed that goes once it is final."""
    return delivery.target_key_id is not None or delivery.payload_key_id is not None
