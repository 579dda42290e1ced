from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from cctv_ingest.cameras import importers, service
from cctv_ingest.cameras.errors import CameraIdTaken, ImportRejected, UnsupportedImportType
from cctv_ingest.cameras.schemas import (
    Camera,
    CameraCreate,
    CameraPage,
    CameraUpdate,
    CameraWithHealth,
    ImportResult,
    NearbyCamera,
    camera_view,
)
from cctv_ingest.dependencies import SessionDep, SettingsDep
from kentongan.errors import Forbidden
from kentongan.openapi import raises
from kentongan.paging import After, InvalidCursor, Limit
from kentongan.security import CurrentOperator, CurrentSupervisor, Operator
from kentongan.text import Line

router = APIRouter(prefix="/v1/cameras", tags=["cameras"])
IMPORT_PATH = "/v1/cameras/import"
# A stored stream URL is shown (redacted) only when a supervisor asks for it: operators never need it.
Include = Annotated[Literal["stream_url"] | None, Query(description="stream_url: supervisors only")]
# A camera id in a path: what CameraCreate accepts, so anything else is a 422 naming it, never a database error.
CameraIdPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
IMPORT_BODY = {"requestBody": {"required": True, "content": {
    "text/csv": {"schema": {"type": "string"},
                 "example": "id,name,lat,lon,stream_url\nsmg-simpanglima-01,Simpang Lima,-6.9903,110.4229,"
                            "rtsp://nvr-simpanglima.local:554/ch1\n"},
    "application/geo+json": {"schema": {"type": "object"}, "example": {
        "type": "FeatureCollection", "features": [{
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [110.4229, -6.9903]},
            "properties": {"id": "smg-simpanglima-01", "name": "Simpang Lima",
                           "stream_url": "rtsp://nvr-simpanglima.local:554/ch1"}}]}}}}}


def _shows_stream_url(operator: Operator, include: str | None) -> bool:
    if include == "stream_url" and not operator.has_role("supervisor"):
        raise Forbidden("include: stream_url is shown to supervisors only")
    return include == "stream_url"


@router.post("", status_code=201, response_model=Camera, responses=raises(CameraIdTaken), summary="Register a camera (supervisor or admin)")
async def register_camera(body: CameraCreate, _: CurrentSupervisor, session: SessionDep,
                          settings: SettingsDep) -> Camera:
    return camera_view(await service.register(session, body, settings))


@router.post("/import", response_model=ImportResult, openapi_extra=IMPORT_BODY,
             responses=raises(UnsupportedImportType, ImportRejected),
             summary="Insert or replace cameras from a CSV (text/csv) or GeoJSON (application/geo+json) body")
async def import_cameras(request: Request, _: CurrentSupervisor, session: SessionDep,
                         settings: SettingsDep) -> ImportResult:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type == "text/csv":
        cameras = importers.from_csv(body.decode("utf-8-sig", errors="replace"))
        first_row = importers.CSV_FIRST_ROW
    elif content_type in ("application/geo+json", "application/json"):
        cameras, first_row = importers.from_geojson(body), 0
    else:
        raise UnsupportedImportType()
    return ImportResult(imported=await service.import_many(session, cameras, settings, first_row))


@router.get("", response_model=CameraPage, responses=raises(Forbidden, InvalidCursor),
            summary="Cameras, by id, a page at a time")
async def list_cameras(operator: CurrentOperator, session: SessionDep,
                       kecamatan: Annotated[Annotated[str, Line(100)] | None, Query()] = None,
                       limit: Limit = 100, after: After = None, include: Include = None) -> CameraPage:
    shown = _shows_stream_url(operator, include)
    cameras, following = await service.list_cameras(session, kecamatan, limit, after)
    return CameraPage(items=[camera_view(camera, shown) for camera in cameras], next=following)


@router.get("/nearby", response_model=list[NearbyCamera], summary="Cameras around a point, nearest first, with their state")
async def nearby_cameras(_: CurrentOperator, session: SessionDep,
                         lat: Annotated[float, Query(ge=-90, le=90)],
                         lon: Annotated[float, Query(ge=-180, le=180)],
                         radius_m: Annotated[float, Query(gt=0, le=50_000)] = 500,
                         limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[NearbyCamera]:
    found = await service.nearby(session, lat, lon, radius_m, limit)
    return [NearbyCamera(**{**vars(camera), "snapshot_url": camera.snapshot_url}) for camera in found]


@router.get("/{camera_id}", response_model=CameraWithHealth, responses=raises(Forbidden),
            summary="One camera and its health")
async def get_camera(camera_id: CameraIdPath, operator: CurrentOperator, session: SessionDep,
                     include: Include = None) -> CameraWithHealth:
    shown = _shows_stream_url(operator, include)
    camera, health = await service.get(session, camera_id)
    return CameraWithHealth.model_validate({**camera_view(camera, shown).model_dump(), "health": health})


@router.patch("/{camera_id}", response_model=Camera, summary="Change a camera (supervisor or admin)")
async def update_camera(camera_id: CameraIdPath, body: CameraUpdate, _: CurrentSupervisor, session: SessionDep,
                        settings: SettingsDep) -> Camera:
    return camera_view(await service.update(session, camera_id, body, settings))
