"""Every query on representatives."""

from collections.abc import Sequence
from uuid import UUID

from sqlalchemy import Float, and_, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.geo import bounding_box
from kentongan.paging import keyset
from notifier.models import Representative


async def upsert_many(session: AsyncSession, rows: list[dict]) -> None:
    """Insert or update by `code`."""
    statement = insert(Representative).values(rows)
    updates = {c: statement.excluded[c] for c in rows[0] if c not in ("id", "code")}
    await session.execute(statement.on_conflict_do_update(index_elements=["code"], set_=updates))


async def rts_within(session: AsyncSession, lat: float, lon: float, radius_m: float) -> list[Representative]:
    """RT representatives inside the bounding box of the circle (callers filter by exact distance)."""
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
    return list(await session.scalars(select(Representative).where(
        Representative.role == "rt", Representative.lat.between(min_lat, max_lat),
        Representative.lon.between(min_lon, max_lon))))


async def rts_within_boxes(session: AsyncSession,
                           boxes: Sequence[tuple[float, float, float, float]]) -> list[list[Representative]]:
    """RT representatives inside each box (min_lat, max_lat, min_lon, max_lon), in one query for all of them:
    a consumer's batch of incidents asks once, not once per incident. A list per box, in the boxes' order."""
    if not boxes:
        return []
    names = ("min_lat", "max_lat", "min_lon", "max_lon")
    arrays = [bindparam(name, [box[i] for box in boxes], type_=ARRAY(Float)) for i, name in enumerate(names)]
    box = func.unnest(*arrays).table_valued(*names, with_ordinality="n").render_derived()
    inside = and_(Representative.role == "rt", Representative.lat.between(box.c.min_lat, box.c.max_lat),
                  Representative.lon.between(box.c.min_lon, box.c.max_lon))
    found: list[list[Representative]] = [[] for _ in boxes]
    for n, rep in (await session.execute(select(box.c.n, Representative).select_from(box)
                                         .join(Representative, inside))).all():
        found[n - 1].append(rep)
    return found


async def polisi_of_rws(session: AsyncSession, rws: set[tuple[str, str, str]]) -> list[Representative]:
    if not rws:
        return []
    return list(await session.scalars(select(Representative).where(
        Representative.role == "polisi_rw",
        tuple_(Representative.kecamatan, Representative.kelurahan, Representative.rw).in_(list(rws)))))


async def list_filtered(session: AsyncSession, kecamatan: str | None, kelurahan: str | None, limit: int,
                        after: tuple[str] | None) -> list[Representative]:
    """Up to limit + 1 representatives by code, after the code `after` names."""
    query = select(Representative)
    if kecamatan:
        query = query.where(Representative.kecamatan == kecamatan)
    if kelurahan:
        query = query.where(Representative.kelurahan == kelurahan)
    return list(await session.scalars(keyset(query, (Representative.code,), after, limit)))


async def get_by_code(session: AsyncSession, code: str) -> Representative | None:
    return await session.scalar(select(Representative).where(Representative.code == code))


async def by_ids(session: AsyncSession, ids: set[UUID]) -> dict[UUID, Representative]:
    if not ids:
        return {}
    return {rep.id: rep for rep in await session.scalars(select(Representative).where(Representative.id.in_(ids)))}
