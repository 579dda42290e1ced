"""Patrol units: who they are, where they are, and which one is nearest."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.models import Unit
from dispatch.units import repository
from dispatch.units.errors import UnitNotFound, UnitUnavailable
from dispatch.units.schemas import SuggestedUnit, UnitCreate, UnitUpdate
from dispatch.units.schemas import Unit as UnitView
from kentongan.db import get_for_update_or_404
from kentongan.geo import haversine_m
from kentongan.paging import page_of, parse_cursor


async def register(session: AsyncSession, data: UnitCreate) -> Unit:
    """Create the unit, or update it if the call sign exists (idempotent for fleet sync)."""
    unit = await repository.get(session, data.id, for_update=True)
    if unit is None:
        unit = Unit(id=data.id, incident_id=None)
        session.add(unit)
    unit.name, unit.kind, unit.lat, unit.lon = data.name, data.kind, data.lat, data.lon
    if unit.incident_id is None:
        unit.status = data.status
    unit.updated_at = datetime.now(UTC)
    await session.flush()
    return unit


async def update(session: AsyncSession, unit_id: str, data: UnitUpdate) -> Unit:
    unit = await get_for_update_or_404(session, Unit, unit_id, UnitNotFound())
    if data.lat is not None and data.lon is not None:
        unit.lat, unit.lon = data.lat, data.lon
    if data.status is not None:
        if unit.incident_id is not None:
            raise UnitUnavailable("the unit is on an incident; resolve or reassign it first")
        unit.status = data.status
    unit.updated_at = datetime.now(UTC)
    await session.flush()
    return unit


async def list_units(session: AsyncSession, status: str | None, limit: int, after: str | None) -> dict[str, Any]:
    """A page of the units by id (the body of a Page[Unit])."""
    rows = await repository.list_units(session, status, limit, parse_cursor(after, str) if after else None)
    return page_of(rows, limit, lambda unit: (unit.id,))


async def take(session: AsyncSession, unit_id: str, incident_id: UUID) -> Unit:
    """Book an available unit for an incident."""
    unit = await get_for_update_or_404(session, Unit, unit_id, UnitNotFound())
    if unit.status != "available":
        raise UnitUnavailable(f"unit {unit_id} is {unit.status}")
    unit.status, unit.incident_id = "busy", incident_id
    return unit


async def release(session: AsyncSession, unit_id: str) -> None:
    unit = await repository.get(session, unit_id, for_update=True)
    if unit is not None:
        unit.status, unit.incident_id = "available", None


async def nearest_available(session: AsyncSession, lat: float, lon: float, limit: int) -> list[SuggestedUnit]:
    """Available units nearest first (straight-line distance; the fleet is small enough to rank in memory)."""
    units = await repository.available(session)
    ranked = sorted(((haversine_m(lat, lon, u.lat, u.lon), u) for u in units), key=lambda pair: pair[0])
    return [SuggestedUnit(**UnitView.model_validate(unit).model_dump(), distance_m=round(distance, 1))
            for distance, unit in ranked[:limit]]
