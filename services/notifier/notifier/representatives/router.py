"""The representatives API: admin writes, operators read, CSV import and area lookup."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query

from kentongan.openapi import raises
from kentongan.paging import After, InvalidCursor, Limit, Page
from kentongan.security import CurrentAdmin, CurrentOperator
from kentongan.text import Line
from notifier.dependencies import SessionDep, SettingsDep
from notifier.models.representative import Representative as RepresentativeRow
from notifier.representatives import service
from notifier.representatives.schemas import AreaLookup, ImportResult, Representative, RepresentativeIn

router = APIRouter(tags=["representatives"])
CsvBody = Annotated[str, Body(media_type="text/csv", description="code,name,role,kecamatan,kelurahan,rw,rt,"
                                                                 "lat,lon,language,sms,push,webhook",
                              examples=["code,name,role,kecamatan,kelurahan,rw,rt,lat,lon,language,sms,push,webhook\n"
                                        "jomblang-03-02,Bu Siti,rt,Candisari,Jomblang,03,02,-7.0123,110.4301,id,"
                                        "+6281234567890,,\n"])]
Code = Annotated[str, Line(64), Path()]
Area = Annotated[Annotated[str, Line(64)] | None, Query()]


@router.put("/v1/representatives/{code}", response_model=Representative, summary="Create or update one")
async def put_representative(code: Code, body: RepresentativeIn, _: CurrentAdmin, session: SessionDep,
                             settings: SettingsDep) -> RepresentativeRow:
    return await service.save(session, body.model_copy(update={"code": code}), settings)


@router.get("/v1/representatives", response_model=Page[Representative], responses=raises(InvalidCursor),
            summary="The registry, by area, by code, a page at a time")
async def list_representatives(_: CurrentOperator, session: SessionDep, kecamatan: Area = None,
                               kelurahan: Area = None, limit: Limit = 200, after: After = None) -> dict[str, Any]:
    return await service.list_representatives(session, kecamatan, kelurahan, limit, after)


@router.get("/v1/representatives/{code}", response_model=Representative, summary="One representative")
async def get_representative(code: Code, _: CurrentOperator, session: SessionDep) -> RepresentativeRow:
    return await service.get(session, code)


@router.post("/v1/representatives/import", response_model=ImportResult,
             summary="Bulk import (upsert by code) from CSV: all rows or none")
async def import_representatives(body: CsvBody, _: CurrentAdmin, session: SessionDep,
                                 settings: SettingsDep) -> ImportResult:
    return ImportResult(imported=await service.import_csv(session, body, settings))


@router.get("/v1/areas/lookup", response_model=AreaLookup, summary="The area of a coordinate and who it alerts")
async def lookup_area(_: CurrentOperator, session: SessionDep, settings: SettingsDep,
                      lat: Annotated[float, Query(ge=-90, le=90)],
                      lon: Annotated[float, Query(ge=-180, le=180)]) -> AreaLookup:
    return await service.lookup(session, lat, lon, settings)
