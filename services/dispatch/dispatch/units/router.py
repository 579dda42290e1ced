from typing import Annotated, Any

from fastapi import APIRouter, Query

from dispatch.dependencies import SessionDep
from dispatch.models.unit import Unit as UnitRow
from dispatch.units import service
from dispatch.units.schemas import Unit, UnitCreate, UnitStatus, UnitUpdate
from kentongan.openapi import raises
from kentongan.paging import MAX_PAGE, After, InvalidCursor, Limit, Page
from kentongan.security import CurrentOperator, CurrentSupervisor

router = APIRouter(prefix="/v1/units", tags=["units"])


@router.post("", status_code=201, response_model=Unit, summary="Register (or update) a patrol unit")
async def register_unit(body: UnitCreate, session: SessionDep, _: CurrentSupervisor) -> UnitRow:
    return await service.register(session, body)


@router.get("", response_model=Page[Unit], responses=raises(InvalidCursor), summary="Patrol units, by id, a page at a time")
async def list_units(session: SessionDep, _: CurrentOperator, status: Annotated[UnitStatus | None, Query()] = None,
                     limit: Limit = MAX_PAGE, after: After = None) -> dict[str, Any]:
    return await service.list_units(session, status, limit, after)


@router.patch("/{unit_id}", response_model=Unit, summary="Report a unit's position or duty status")
async def update_unit(unit_id: str, body: UnitUpdate, session: SessionDep, _: CurrentOperator) -> UnitRow:
    return await service.update(session, unit_id, body)
