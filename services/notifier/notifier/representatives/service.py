"""The rules about representatives: save and import them, and find who to alert near a coordinate."""

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from kentongan.geo import bounding_box, haversine_m, kecamatan_of
from kentongan.paging import page_of, parse_cursor
from notifier.models import Representative
from notifier.representatives import csv_import, repository
from notifier.representatives.errors import InvalidCsv, RepresentativeNotFound
from notifier.representatives.schemas import AreaLookup, NearbyRepresentative, RepresentativeIn
from notifier.settings import Settings
from notifier.webhook_urls import check_webhook_url, webhook_url_problem

MAX_IMPORT_ROWS = 5000


@dataclass(frozen=True)
class Audience:
    """Who a broadcast at a coordinate reaches: the home RT (if any) and everyone alerted."""

    home: Representative | None
    alerted: list[tuple[Representative, float]]


async def _upsert(session: AsyncSession, reps: list[RepresentativeIn]) -> None:
    rows = [{"id": uuid7(), **rep.model_dump(mode="json")} for rep in reps]
    for start in range(0, len(rows), 1000):  # stay under PostgreSQL's bind-parameter limit
        await repository.upsert_many(session, rows[start:start + 1000])
    await session.flush()


async def save(session: AsyncSession, data: RepresentativeIn, settings: Settings) -> Representative:
    """Create or update one representative by code (a webhook contact must pass the outbound policy)."""
    for index, contact in enumerate(data.contacts):
        if contact.channel == "webhook":
            await check_webhook_url(contact.address, f"contacts.{index}.address", settings)
    await _upsert(session, [data])
    return await get(session, data.code)


async def get(session: AsyncSession, code: str) -> Representative:
    rep = await repository.get_by_code(session, code)
    if rep is None:
        raise RepresentativeNotFound()
    await session.refresh(rep)  # the upsert bypassed the identity map
    return rep


async def _webhook_problems(reps: list[RepresentativeIn], settings: Settings) -> list[dict]:
    """The rows (all parsed: line = index + 2) whose webhook the outbound policy refuses; each URL judged
    once, a few host lookups at a time."""
    webhooks = [(line, c.address) for line, rep in enumerate(reps, start=2) for c in rep.contacts
                if c.channel == "webhook"]
    lookups = asyncio.Semaphore(16)

    async def judge(url: str) -> str | None:
        async with lookups:
            return await webhook_url_problem(url, settings)

    urls = list(dict.fromkeys(url for _, url in webhooks))
    judged = dict(zip(urls, await asyncio.gather(*(judge(url) for url in urls)), strict=True))
    return [{"line": line, "field": "webhook", "message": judged[url]}
            for line, url in webhooks if judged[url]]


async def import_csv(session: AsyncSession, text: str, settings: Settings) -> int:
    """Import every row or none: a CSV with any bad row is refused, naming each line and field."""
    reps, problems = csv_import.parse(text)
    if not problems:
        problems = await _webhook_problems(reps, settings)
    if len(reps) > MAX_IMPORT_ROWS:
        problems.append({"line": MAX_IMPORT_ROWS + 2, "field": "row", "message": f"at most {MAX_IMPORT_ROWS} rows"})
    if problems:
        raise InvalidCsv(problems[:100])
    if reps:
        await _upsert(session, reps)
    return len(reps)


async def list_representatives(session: AsyncSession, kecamatan: str | None, kelurahan: str | None,
                               limit: int, after: str | None) -> dict[str, Any]:
    """A page of the registry by code (the body of a Page[Representative])."""
    rows = await repository.list_filtered(session, kecamatan, kelurahan, limit,
                                          parse_cursor(after, str) if after else None)
    return page_of(rows, limit, lambda rep: (rep.code,))


async def audience(session: AsyncSession, lat: float, lon: float, settings: Settings) -> Audience:
    """The incident's own RT (nearest centroid), its neighbours within the radius, and their Polisi RW."""
    return (await audiences(session, [(lat, lon)], settings))[0]


async def audiences(session: AsyncSession, points: Sequence[tuple[float, float]], settings: Settings) -> list[Audience]:
    """`audience` of each point, with two queries for all of them (a consumer's batch of incidents)."""
    reach = max(settings.broadcast_radius_m, settings.home_rt_max_m)
    found = await repository.rts_within_boxes(session, [bounding_box(lat, lon, reach) for lat, lon in points])
    nearby = [_rts_near(lat, lon, reps, settings) for (lat, lon), reps in zip(points, found, strict=True)]
    wanted = {_rw_of(rep) for _, rts in nearby for rep, _ in rts}
    polisi_of: dict[tuple[str, str, str], list[Representative]] = defaultdict(list)
    for rep in await repository.polisi_of_rws(session, wanted):
        polisi_of[_rw_of(rep)].append(rep)
    result = []
    for (lat, lon), (home, rts) in zip(points, nearby, strict=True):
        polisi = [(rep, haversine_m(lat, lon, rep.lat, rep.lon))
                  for rw in dict.fromkeys(_rw_of(rep) for rep, _ in rts) for rep in polisi_of[rw]]
        result.append(Audience(home, rts + polisi))
    return result


def _rw_of(rep: Representative) -> tuple[str, str, str]:
    return rep.kecamatan, rep.kelurahan, rep.rw


def _rts_near(lat: float, lon: float, reps: list[Representative],
              settings: Settings) -> tuple[Representative | None, list[tuple[Representative, float]]]:
    """(the home RT if one is near enough, the RTs to alert with their distances: the home one first)."""
    candidates = sorted(((rep, haversine_m(lat, lon, rep.lat, rep.lon)) for rep in reps), key=lambda pair: pair[1])
    home = candidates[0] if candidates and candidates[0][1] <= settings.home_rt_max_m else None
    rts = [pair for pair in candidates if pair[1] <= settings.broadcast_radius_m]
    if home is not None and home not in rts:
        rts.insert(0, home)
    return (home[0] if home else None), rts


async def home_rt(session: AsyncSession, lat: float, lon: float, settings: Settings) -> Representative | None:
    """The RT whose centroid is nearest the coordinate, if one is within `home_rt_max_m`."""
    candidates = [(haversine_m(lat, lon, rep.lat, rep.lon), rep) for rep in await repository.rts_within(
        session, lat, lon, settings.home_rt_max_m)]
    distance, home = min(candidates, key=lambda pair: pair[0], default=(None, None))
    return home if distance is not None and distance <= settings.home_rt_max_m else None


def place_name(home: Representative | None, kecamatan: str) -> str:
    """Where something happened, for a message: the home RT's kelurahan and kecamatan, else the kecamatan."""
    if home is not None:
        return f"Kel. {home.kelurahan}, Kec. {home.kecamatan}"
    return f"Kec. {kecamatan}"


def _nearby(rep: Representative, distance: float) -> NearbyRepresentative:
    return NearbyRepresentative(code=rep.code, name=rep.name, role=rep.role, kecamatan=rep.kecamatan,
                                kelurahan=rep.kelurahan, rw=rep.rw, rt=rep.rt, distance_m=round(distance, 1))


async def lookup(session: AsyncSession, lat: float, lon: float, settings: Settings) -> AreaLookup:
    """The area of a coordinate and who a broadcast there would alert."""
    found = await audience(session, lat, lon, settings)
    home = next((_nearby(r, d) for r, d in found.alerted if r is found.home), None)
    return AreaLookup(kecamatan=found.home.kecamatan if found.home else kecamatan_of(lat, lon), home=home,
                      alerted=[_nearby(r, d) for r, d in found.alerted])
