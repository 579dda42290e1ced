"""The rules of the registry: ids are unique, the area defaults from the location, nearest first."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cctv_ingest.cameras import repository
from cctv_ingest.cameras.errors import CameraIdTaken, CameraNotFound, ImportRejected
from cctv_ingest.cameras.schemas import CameraCreate, CameraUpdate
from cctv_ingest.cameras.urls import check_stream_url, stream_url_problem
from cctv_ingest.models import Camera, CameraHealth
from kentongan.geo import bounding_box, haversine_m, kecamatan_of
from kentongan.paging import page_of, parse_cursor
from kentongan.settings import ServiceSettings


@dataclass(frozen=True)
class Nearby:
    """A camera near a point, nearest first."""

    id: str
    name: str
    lat: float
    lon: float
    kecamatan: str
    stream_url: str
    distance_m: float
    state: str
    last_frame_at: datetime | None

    @property
    def snapshot_url(self) -> str:
        return snapshot_path(self.id)


def snapshot_path(camera_id: str) -> str:
    return f"/v1/cameras/{camera_id}/snapshot"


def _row(data: CameraCreate) -> dict:
    row = data.model_dump()
    row["kecamatan"] = row["kecamatan"] or kecamatan_of(data.lat, data.lon)
    return row


async def register(session: AsyncSession, data: CameraCreate, settings: ServiceSettings) -> Camera:
    """A new camera; an existing id is a conflict, a stream URL the outbound policy refuses a 422."""
    check_stream_url(data.stream_url, "stream_url", settings)
    if await repository.get(session, data.id) is not None:
        raise CameraIdTaken()
    camera = Camera(**_row(data))
    session.add(camera)
    await session.flush()
    await session.refresh(camera)
    return camera


async def import_many(session: AsyncSession, cameras: list[CameraCreate], settings: ServiceSettings,
                      first_row: int = 0) -> int:
    """Insert or replace the cameras by id (none, if the outbound policy refuses any stream URL; rows are
    numbered from `first_row`, as the importer numbered them)."""
    judged = ((row, stream_url_problem(camera.stream_url, settings))
              for row, camera in enumerate(cameras, start=first_row))
    problems = [{"row": row, "field": "stream_url", "message": problem} for row, problem in judged if problem]
    if problems:
        raise ImportRejected(problems[:100])
    return await repository.upsert_many(session, [_row(camera) for camera in cameras])


async def get(session: AsyncSession, camera_id: str) -> tuple[Camera, CameraHealth | None]:
    found = await repository.get_with_health(session, camera_id)
    if found is None:
        raise CameraNotFound()
    return found


async def update(session: AsyncSession, camera_id: str, data: CameraUpdate,
                 settings: ServiceSettings) -> Camera:
    """Change the given fields; moving a camera without naming its kecamatan recomputes it; a stream URL
    the outbound policy refuses is a 422."""
    if data.stream_url is not None:
        check_stream_url(data.stream_url, "stream_url", settings)
    camera = await repository.get(session, camera_id)
    if camera is None:
        raise CameraNotFound()
    changes = data.model_dump(exclude_unset=True)
    for field, value in changes.items():
        if value is not None:
            setattr(camera, field, value)
    if ("lat" in changes or "lon" in changes) and not changes.get("kecamatan"):
        camera.kecamatan = kecamatan_of(camera.lat, camera.lon)
    await session.flush()
    await session.refresh(camera)
    return camera


async def nearby(session: AsyncSession, lat: float, lon: float, radius_m: float, limit: int,
                 online_only: bool = False) -> list[Nearby]:
    """Cameras within `radius_m`, nearest first: an indexed box, then exact great-circle distance.

    Disabled cameras (not read by the workers) are listed with the state `disabled`.
    """
    found = []
    for row in await repository.within_box(session, bounding_box(lat, lon, radius_m)):
        distance = haversine_m(lat, lon, row.lat, row.lon)
        state = (row.state or "unknown") if row.enabled else "disabled"
        if distance <= radius_m and (not online_only or state in ("online", "degraded")):
            found.append(Nearby(row.id, row.name, row.lat, row.lon, row.kecamatan, row.stream_url,
                                round(distance, 1), state, row.last_frame_at))
    found.sort(key=lambda camera: camera.distance_m)
    return found[:limit]


async def list_cameras(session: AsyncSession, kecamatan: str | None, limit: int,
                       after: str | None) -> tuple[list[Camera], str | None]:
    """A page of cameras by id, and the cursor of the next page (None: no more)."""
    rows = await repository.list_page(session, kecamatan, limit, parse_cursor(after, str) if after else None)
    page = page_of(rows, limit, lambda camera: (camera.id,))
    return page["items"], page["next"]
