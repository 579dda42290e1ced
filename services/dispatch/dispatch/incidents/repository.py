"""Every query on incidents and what hangs off them."""

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    Float,
    Uuid,
    any_,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    true,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from dispatch.models import (
    ACTIVE,
    Base,
    Incident,
    IncidentAlarm,
    IncidentLocation,
    IncidentNote,
    IncidentReport,
    IncidentSnapshot,
    outbox,
)
from kentongan.db import any_param, insert_rows
from kentongan.events import topics
from kentongan.events.incidents import ACTIVE_STATUSES, IncidentPlacementConfirmed
from kentongan.geo import bounding_box
from kentongan.paging import keyset

# What an incident's detail shows at most of each list; the list endpoints page the rest.
TRAIL_LIMIT = 500
NOTES_LIMIT = 100
SNAPSHOTS_LIMIT = 50


async def get(session: AsyncSession, incident_id: UUID, for_update: bool = False) -> Incident | None:
    query = select(Incident).where(Incident.id == incident_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def locked_of_alarm(session: AsyncSession, alarm: IncidentAlarm) -> Incident:
    """The incident an alarm was merged into, locked for a change (it exists: the alarm row refers to it)."""
    return (await session.scalars(select(Incident).where(Incident.id == alarm.incident_id).with_for_update())).one()


QUEUE_ORDER = (Incident.unprocessed, Incident.priority, Incident.opened_at, Incident.id)


async def list_queue(session: AsyncSession, *, statuses: list[str], category: str | None, area: str | None,
                     limit: int, after: tuple[Any, ...] | None = None, alarm_id: UUID | None = None) -> list[Incident]:
    """Unprocessed-alarm incidents first (a human must look at them), then highest priority, then newest (id
    breaks ties): up to limit + 1 rows after the position `after`."""
    query = select(Incident).where(Incident.status.in_(statuses))
    if alarm_id:
        query = query.where(Incident.id == select(IncidentAlarm.incident_id)
                            .where(IncidentAlarm.alarm_id == alarm_id).scalar_subquery())
    if category:
        query = query.where(Incident.category == category)
    if area:
        query = query.where(Incident.area == area)
    return list(await session.scalars(keyset(query, QUEUE_ORDER, after, limit, descending=True)))


# The statements a batch of alarms runs, built once: building and keying them costs more CPU than running them.
_BOX = func.unnest(*(bindparam(name, type_=ARRAY(Float)) for name in ("min_lats", "max_lats", "min_lons", "max_lons"))
                   ).table_valued("min_lat", "max_lat", "min_lon", "max_lon").render_derived()
# Driven by the boxes: one index range scan per alarm's box (the active-place partial index). The lookup is
# LATERAL and kept apart by OFFSET 0 (which stops PostgreSQL from flattening it into a plain join), so no plan
# can compare every box with every active incident: a generic plan costed with the statistics of a nearly
# empty table did exactly that, 150 ms a batch with 10,000 active incidents.
_IN_BOX = (select(Incident.id).where(
    Incident.lat.between(_BOX.c.min_lat, _BOX.c.max_lat), Incident.lon.between(_BOX.c.min_lon, _BOX.c.max_lon),
    ACTIVE, Incident.last_alarm_at >= bindparam("since"),
).offset(0).lateral())
_NEAR_IDS = select(_IN_BOX.c.id).select_from(_BOX).join(_IN_BOX, true())
# `id = ANY(ARRAY(...))`, not `id IN (...)`: for IN, the planner may hash the few ids found and scan every
# incident to probe them; the array is computed once and fetched through the primary key.
_INCIDENTS = Incident.__table__
_ACTIVE_NEAR = (select(*_INCIDENTS.c).where(Incident.id == any_(func.array(_NEAR_IDS.scalar_subquery())))
                .with_for_update(of=_INCIDENTS))
_ATTACHED = select(IncidentAlarm.alarm_id).where(IncidentAlarm.alarm_id == any_param("ids", Uuid))


async def active_near(session: AsyncSession, places: list[tuple[float, float]], radius_m: float,
                      since: datetime) -> list[Incident]:
    """Active incidents with an alarm since `since` inside the bounding box of the radius around any of the
    places (one statement for a batch of alarms), locked. They come detached from the session: a batch of
    alarms writes its incidents back with `insert_incidents` and `save_merges`, one execution each, where the
    ORM's flush tracked every object and cost dispatch more CPU per alarm than the statements it sent."""
    min_lats, max_lats, min_lons, max_lons = zip(*(bounding_box(lat, lon, radius_m) for lat, lon in places),
                                                 strict=True)
    rows = await session.execute(_ACTIVE_NEAR, {"since": since, "min_lats": min_lats, "max_lats": max_lats,
                                                "min_lons": min_lons, "max_lons": max_lons})
    return [Incident(**row._mapping) for row in rows]


# Built once, like the other statements of the alarm path. Every column but the key is written back, so whatever
# merging changes is saved.
_COLUMNS = tuple(_INCIDENTS.c.keys())
_INSERT = insert(_INCIDENTS)
_WRITTEN = tuple(name for name in _COLUMNS if name != "id")
_SAVE_MERGE = (update(_INCIDENTS).where(_INCIDENTS.c.id == bindparam("incident_id"))
               .values({name: bindparam(f"new_{name}") for name in _WRITTEN}))


async def insert_incidents(session: AsyncSession, incidents: list[Incident]) -> None:
    """Store incidents built outside the session, in one execution."""
    if incidents:
        await session.execute(_INSERT, [_values(incident, _COLUMNS) for incident in incidents])


async def save_merges(session: AsyncSession, incidents: list[Incident]) -> None:
    """Write back what merging alarms changed in incidents loaded by `active_near`, in one execution."""
    if incidents:
        await session.execute(_SAVE_MERGE, [{"incident_id": incident.id, **_values(incident, _WRITTEN, "new_")}
                                            for incident in incidents])


def _values(incident: Incident, columns, prefix: str = "") -> dict:
    """The incident's values of these columns, as bind parameters named `prefix` + column."""
    return {prefix + name: getattr(incident, name) for name in columns}


async def lock_source(session: AsyncSession, fingerprint: str) -> None:
    """Hold the merge lock of a report source until the transaction ends: two replicas deciding two reports of
    one burst at once would otherwise both open an incident."""
    await session.execute(_LOCK_SOURCE, {"space": _SOURCE_LOCKS, "fingerprint": fingerprint})


async def active_from_source(session: AsyncSession, fingerprint: str, since: datetime) -> Incident | None:
    """The source's active incident whose last report came since `since`, locked; the newest if several."""
    return await session.scalar(
        select(Incident)
        .where(Incident.source_fingerprint == fingerprint, ACTIVE, Incident.last_alarm_at >= since)
        .order_by(Incident.last_alarm_at.desc()).limit(1).with_for_update())


async def report_count(session: AsyncSession, incident_id: UUID) -> int:
    return await session.scalar(select(func.count()).where(IncidentReport.incident_id == incident_id)) or 0


_SOURCE_LOCKS = 0x73726365  # "srce"
_LOCK_SOURCE = text("SELECT pg_advisory_xact_lock(:space, hashtext(:fingerprint))")

# The first key of every merge lock: PostgreSQL's two-key advisory locks keep them apart from any other lock.
_MERGE_LOCKS = 0x6D657267  # "merg"
_LOCK_CELLS = text("SELECT pg_advisory_xact_lock(:space, key) FROM unnest(CAST(:keys AS integer[])) AS key")


async def lock_merge_cells(session: AsyncSession, cells: list[tuple[int, int]]) -> None:
    """Hold these grid cells' merge locks until the transaction ends; waits for any other transaction holding
    one. The cells come sorted and their keys are taken in that order, so two batches cannot deadlock."""
    keys = sorted({_cell_key(row, col) for row, col in cells})
    await session.execute(_LOCK_CELLS, {"space": _MERGE_LOCKS, "keys": keys})


def _cell_key(row: int, col: int) -> int:
    """A 32-bit key per cell; two cells sharing one only wait for each other needlessly."""
    return ((row * 73_856_093) ^ (col * 19_349_663)) % 2**31


async def insert_all(session: AsyncSession, model: type[Base], rows: list[dict]) -> None:
    """Insert many rows (dicts with the same keys) in one statement (no ORM objects to track)."""
    if rows:
        await insert_rows(session, model.__table__, tuple(rows[0]), [tuple(row.values()) for row in rows])


async def attached_alarms(session: AsyncSession, alarm_ids: list[UUID]) -> set[UUID]:
    """Those of the alarms that already belong to an incident."""
    return set(await session.scalars(_ATTACHED, {"ids": alarm_ids}))


async def incidents_of_alarms(session: AsyncSession, alarm_ids: list[UUID]) -> list[tuple[Incident, UUID]]:
    """Each of these alarms that belongs to an incident, with that incident."""
    rows = await session.execute(_PLACED, {"ids": alarm_ids})
    return [(row.Incident, row.alarm_id) for row in rows]


_PLACED = (select(Incident, IncidentAlarm.alarm_id).join(IncidentAlarm, IncidentAlarm.incident_id == Incident.id)
           .where(IncidentAlarm.alarm_id == any_param("ids", Uuid)).order_by(IncidentAlarm.alarm_id))


async def incident_of_report(session: AsyncSession, report_id: UUID) -> Incident | None:
    """The incident an urgent report opened or (an anonymous burst's) joined."""
    return await session.scalar(select(Incident).where(
        Incident.id == select(IncidentReport.incident_id).where(IncidentReport.report_id == report_id)
        .scalar_subquery()))


async def alarm(session: AsyncSession, alarm_id: UUID) -> IncidentAlarm | None:
    return await session.get(IncidentAlarm, alarm_id)


async def any_alarm_active(session: AsyncSession, incident_id: UUID) -> bool:
    """Whether any alarm of the incident is not cancelled (one index probe, however many alarms)."""
    return bool(await session.scalar(select(exists().where(IncidentAlarm.incident_id == incident_id,
                                                           IncidentAlarm.cancelled_at.is_(None)))))


async def _page(session: AsyncSession, model: type[Base], incident_id: UUID, at: InstrumentedAttribute,
                key: InstrumentedAttribute, limit: int, after: tuple[datetime, Any] | None) -> list[Any]:
    """Up to `limit` rows of the incident in (time, key) order, after the given position."""
    query = select(model).where(model.incident_id == incident_id)  # type: ignore[attr-defined]
    if after is not None:
        query = query.where(tuple_(at, key) > tuple_(literal(after[0]), literal(after[1], key.type)))
    return list(await session.scalars(query.order_by(at, key).limit(limit)))


async def alarms_page(session: AsyncSession, incident_id: UUID, limit: int,
                      after: tuple[datetime, Any] | None = None) -> list[IncidentAlarm]:
    return await _page(session, IncidentAlarm, incident_id, IncidentAlarm.raised_at, IncidentAlarm.alarm_id,
                       limit, after)


async def trail_page(session: AsyncSession, incident_id: UUID, limit: int,
                     after: tuple[datetime, Any] | None = None) -> list[IncidentLocation]:
    return await _page(session, IncidentLocation, incident_id, IncidentLocation.recorded_at, IncidentLocation.id,
                       limit, after)


async def notes_page(session: AsyncSession, incident_id: UUID, limit: int,
                     after: tuple[datetime, Any] | None = None) -> list[IncidentNote]:
    return await _page(session, IncidentNote, incident_id, IncidentNote.created_at, IncidentNote.id, limit, after)


async def trail_of(session: AsyncSession, incident_id: UUID) -> tuple[list[IncidentLocation], bool]:
    """The latest TRAIL_LIMIT points, oldest first, and whether there are older ones."""
    rows = list(await session.scalars(
        select(IncidentLocation).where(IncidentLocation.incident_id == incident_id)
        .order_by(IncidentLocation.recorded_at.desc()).limit(TRAIL_LIMIT + 1)))
    return list(reversed(rows[:TRAIL_LIMIT])), len(rows) > TRAIL_LIMIT


async def notes_of(session: AsyncSession, incident_id: UUID) -> tuple[list[IncidentNote], bool]:
    """The latest NOTES_LIMIT notes, oldest first, and whether there are older ones."""
    rows = list(await session.scalars(
        select(IncidentNote).where(IncidentNote.incident_id == incident_id)
        .order_by(IncidentNote.id.desc()).limit(NOTES_LIMIT + 1)))
    return list(reversed(rows[:NOTES_LIMIT])), len(rows) > NOTES_LIMIT


async def snapshots_of(session: AsyncSession, incident_id: UUID) -> list[IncidentSnapshot]:
    """The SNAPSHOTS_LIMIT nearest snapshots (cctv-ingest takes a few per incident)."""
    return list(await session.scalars(
        select(IncidentSnapshot).where(IncidentSnapshot.incident_id == incident_id)
        .order_by(IncidentSnapshot.distance_m.nulls_last(), IncidentSnapshot.captured_at.desc())
        .limit(SNAPSHOTS_LIMIT)))


async def get_many(session: AsyncSession, incident_ids: list[str]) -> list[Incident]:
    """The incidents with these ids (one query), for the live stream."""
    return list(await session.scalars(select(Incident).where(Incident.id == any_param("ids", Uuid)),
                                       {"ids": [UUID(i) for i in incident_ids]}))


async def overdue_for_escalation(session: AsyncSession, before: datetime, below_level: int,
                                 limit: int = 100) -> list[Incident]:
    """Open incidents below `below_level` nobody acknowledged since `before` (opened or last escalated), locked
    so only one replica escalates each."""
    return list(await session.scalars(
        select(Incident).where(Incident.status == "open", Incident.escalation_level < below_level,
                               func.coalesce(Incident.escalated_at, Incident.opened_at) <= before)
        .order_by(Incident.priority.desc()).limit(limit).with_for_update(skip_locked=True)
    ))


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Incident.status, func.count()).where(Incident.status.in_(ACTIVE_STATUSES)).group_by(Incident.status))
    return {status: count for status, count in rows.all()}


async def outbox_position(session: AsyncSession, event_id: str) -> int | None:
    """Where an event sits in the outbox (its publication order); None once purged or never ours."""
    return await session.scalar(select(outbox.c.seq).where(outbox.c.event_id == event_id))


# A placement announced again changes nothing an operator sees.
_UNCHANGED = IncidentPlacementConfirmed.ce_type


async def changed_after(session: AsyncSession, position: int) -> list[tuple[str, str, Incident]]:
    """Each incident changed after that outbox position, once, with its latest event's id and type, in the
    order of those events."""
    latest = (select(func.max(outbox.c.seq).label("seq")).where(outbox.c.seq > position,
                                                                 outbox.c.topic == topics.INCIDENTS,
                                                                 outbox.c.event_type != _UNCHANGED)
              .group_by(outbox.c.key).subquery())
    rows = await session.execute(
        select(outbox.c.event_id, outbox.c.event_type, Incident)
        .join(latest, outbox.c.seq == latest.c.seq)
        .join(Incident, Incident.id == cast(outbox.c.key, Uuid))
        .order_by(outbox.c.seq))
    return [(row.event_id, row.event_type, row.Incident) for row in rows]
