from typing import Annotated

from fastapi import APIRouter, Query, Request

from cctv_ingest.cameras import importers, service
from cctv_ingest.cameras.errors import UnsupportedImportType
from cctv_ingest.cameras.schemas import (
    Camera,
    CameraCreate,
    CameraUpdate,
    CameraWithHealth,
    ImportResult,
    NearbyCamera,
)
from cctv_ingest.dependencies import SessionDep
from kentongan.security import CurrentOperator, CurrentSupervisor

router = APIRouter(prefix="/v1/cameras", tags=["cameras"])
IMPORT_PATH = "/v1/cameras/import"


@router.post("", status_code=201, response_model=Camera, summary="Register a camera (supervisor or admin)")
async def register_camera(body: CameraCreate, _: CurrentSupervisor, session: SessionDep) -> Camera:
    return await service.register(session, body)


@router.post("/import", response_model=ImportResult,
             summary="Insert or replace cameras from a CSV (text/csv) or GeoJSON (application/geo+json) body")
async def import_cameras(request: Request, _: CurrentSupervisor, session: SessionDep) -> ImportResult:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    if content_type == "text/csv":
        cameras = importers.from_csv(body.decode("utf-8-sig", errors="replace"))
    elif content_type in ("application/geo+json", "application/json"):
        cameras = importers.from_geojson(body)
    else:
        raise UnsupportedImportType()
    return ImportResult(imported=await service.import_many(session, cameras))


@router.get("", response_model=list[Camera], summary="Cameras, by id")
async def list_cameras(_: CurrentOperator, session: SessionDep, kecamatan: str | None = None,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                       offset: Annotated[int, Query(ge=0)] = 0) -> list[Camera]:
    return await service.list_cameras(session, kecamatan, limit, offset)


@router.get("/nearby", response_model=list[NearbyCamera], summary="Cameras around a point, nearest first, with their state")
async def nearby_cameras(_: CurrentOperator, session: SessionDep,
                         lat: Annotated[float, Query(ge=-90, le=90)],
                         lon: Annotated[float, Query(ge=-180, le=180)],
                         radius_m: Annotated[float, Query(gt=0, le=50_000)] = 500,
                         limit: Annotated[int, Query(ge=1, le=200)] = 20) -> list[NearbyCamera]:
    found = await service.nearby(session, lat, lon, radius_m, limit)
    return [NearbyCamera(**{**vars(camera), "snapshot_url": camera.snapshot_url}) for camera in found]


@router.get("/{camera_id}", response_model=CameraWithHealth, summary="One camera and its health")
async def get_camera(camera_id: str, _: CurrentOperator, session: SessionDep) -> CameraWithHealth:
    camera, health = await service.get(session, camera_id)
    return CameraWithHealth.model_validate({**Camera.model_validate(camera).model_dump(), "health": health})


@router.patch("/{camera_id}", response_model=Camera, summary="Change a camera (supervisor or admin)")
async def update_camera(camera_id: str, body: CameraUpdate, _: CurrentSupervisor, session: SessionDep) -> Camera:
    return await service.update(session, camera_id, body)
