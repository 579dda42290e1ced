"""No alarm dies silently: a message on `alarms.v1` or `reports.v1` that dispatch could not process (dead-
lettered after its retries) still reaches a human. Dispatch opens a fallback "unprocessed" incident from what
the message carries (position, category, device, time), at the top of the queue and flagged for supervisors;
the copy on the dead-letter topic stays for a replay once the cause is fixed (`kentongan dlq replay`).

What the message carries is read leniently: a message that failed may be one its model refuses."""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import orjson
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dispatch import metrics
from dispatch.incidents.changes import change, record_changes
from dispatch.models import Incident, IncidentAlarm
from kentongan.consumer import DeadLettered, DeadLetterHook
from kentongan.db import unit_of_work
from kentongan.events import incidents as events
from kentongan.events import topics
from kentongan.events.alarms import AlarmCancelled
from kentongan.events.incidents import CATEGORY_PRIORITY, MAX_PRIORITY
from kentongan.geo import kecamatan_of

log = logging.getLogger(__name__)

# Where a message without a usable position is pinned: the city hall (Balai Kota Semarang).
CITY_CENTRE = (-6.9837, 110.4098)
FALLBACK_TOPICS = {topics.ALARMS: "alarm", topics.REPORTS: "report"}
# A cancellation that could not be processed calls for no incident; the dead-letter alert still fires.
NO_FALLBACK = {AlarmCancelled.ce_type}


@dataclass(frozen=True)
class Carried:
    """What a dead-lettered message tells about the emergency, as far as it can be read."""

    key: str
    lat: float | None
    lon: float | None
    category: str
    silent: bool
    at: datetime
    alarm_id: UUID | None
    device_id: UUID | None
    report_id: UUID | None


def fallback_opener(sessionmaker: async_sessionmaker[AsyncSession]) -> DeadLetterHook:
    """The dispatch consumer's dead-letter hook."""

    async def on_dead_letter(parked: DeadLettered) -> None:
        topic = parked.record.topic
        if topic not in FALLBACK_TOPICS or _type_of(parked) in NO_FALLBACK:
            return
        carried = carried_by(parked)
        metrics.UNPROCESSED_ALARMS.labels(topic).inc()
        try:
            async with unit_of_work(sessionmaker) as session:
                await open_unprocessed(session, carried, FALLBACK_TOPICS[topic], attach=True)
        except Exception:  # the alarm itself may be what fails: open it without
            log.warning("fallback incident with its alarm failed; opening it without", exc_info=True)
            async with unit_of_work(sessionmaker) as session:
                await open_unprocessed(session, carried, FALLBACK_TOPICS[topic], attach=False)

    return on_dead_letter


async def open_unprocessed(session: AsyncSession, carried: Carried, source: str, attach: bool) -> Incident | None:
    """Open the fallback incident for a dead-lettered message, once per message key (a redelivered or
    second message of the same alarm opens nothing new)."""
    if await session.scalar(select(Incident.id).where(Incident.fallback_key == carried.key)) is not None:
        return None
    lat, lon = (carried.lat, carried.lon) if carried.lat is not None and carried.lon is not None else CITY_CENTRE
    attached = attach and carried.alarm_id is not None and carried.device_id is not None
    incident = Incident(
        id=uuid4(), status="open", category=carried.category, priority=MAX_PRIORITY, lat=lat, lon=lon,
        area=kecamatan_of(lat, lon), source=source, silent=carried.silent,
        # A replayed urgent report finds its incident by this and opens no second one.
        report_id=carried.report_id if source == "report" else None,
        alarm_ids=[carried.alarm_id] if attached else [], alarm_count=1 if attached else 0, unprocessed=True,
        fallback_key=carried.key, escalation_level=0, opened_at=carried.at, last_alarm_at=carried.at,
        updated_at=datetime.now(UTC), version=1)
    session.add(incident)
    await session.flush()
    if attached:
        await session.execute(insert(IncidentAlarm).values(
            alarm_id=carried.alarm_id, incident_id=incident.id, device_id=carried.device_id,
            category=carried.category, silent=carried.silent, raised_at=carried.at,
        ).on_conflict_do_nothing())
    log.error("opened unprocessed incident %s for a dead-lettered message (%s)", incident.id, carried.key)
    await record_changes(session, [change(incident, events.IncidentOpened, carried.alarm_id if attached else None)])
    return incident


def carried_by(parked: DeadLettered) -> Carried:
    """What the message says, from its decoded event if any, else from its raw JSON (whatever fits)."""
    record = parked.record
    fields = _raw_fields(record.value)
    if parked.envelope is not None:
        fields = {**fields, **parked.envelope.data.model_dump()}
    key = (record.key or b"").decode(errors="replace") or _header(record, "ce_id") or f"{record.partition}:{record.offset}"
    lat, lon = _number(fields.get("lat"), 90), _number(fields.get("lon"), 180)
    category = fields.get("category")
    return Carried(
        key=f"{record.topic}:{key}"[:200], lat=lat if lon is not None else None, lon=lon if lat is not None else None,
        category=category if category in CATEGORY_PRIORITY else "other", silent=fields.get("silent") is True,
        at=_time(fields.get("raised_at") or fields.get("reported_at") or fields.get("recorded_at")),
        alarm_id=_uuid(fields.get("alarm_id")), device_id=_uuid(fields.get("device_id")),
        report_id=_uuid(fields.get("report_id")))


def _type_of(parked: DeadLettered) -> str | None:
    return parked.envelope.type if parked.envelope is not None else _header(parked.record, "ce_type")


def _header(record: Any, name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return value.decode(errors="replace")
    return None


def _raw_fields(value: bytes | None) -> dict:
    try:
        fields = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return {}
    return fields if isinstance(fields, dict) else {}


def _number(value: Any, bound: float) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and -bound <= value <= bound:
        return float(value)
    return None


def _time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        at = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return datetime.now(UTC)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _uuid(value: Any) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        return None
