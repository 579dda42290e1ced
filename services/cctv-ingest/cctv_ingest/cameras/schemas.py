from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cctv_ingest.redaction import redact_url
from kentongan.paging import Page
from kentongan.text import Line, Text

STREAM_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://")
CameraId = Field(pattern=r"^[A-Za-z0-9_.:-]{1,64}$", description="Stable id, e.g. the NVR's channel id",
                 examples=["smg-simpanglima-01"])
Latitude = Field(ge=-90, le=90, description="WGS84 latitude in degrees", examples=[-6.9903])
Longitude = Field(ge=-180, le=180, description="WGS84 longitude in degrees", examples=[110.4229])
Priority = Field(0, ge=0, le=10, description="0 normal .. 10 critical; high priorities are read continuously")


def _check_stream_url(url: str | None) -> str | None:
    if url is not None and not url.lower().startswith(STREAM_SCHEMES):
        raise ValueError("must be an rtsp(s):// or http(s):// URL (RTSP, MJPEG, HLS or MPEG-TS)")
    return url


class CameraCreate(BaseModel):
    id: str = CameraId
    name: Annotated[str, Text(200)] = Field(examples=["Simpang Lima, sisi utara"])
    lat: float = Latitude
    lon: float = Longitude
    kecamatan: Annotated[str, Line(100)] | None = Field(None, description="Defaults to the nearest kecamatan")
    kelurahan: Annotated[str, Line(100)] | None = None
    rt: Annotated[str, Line(20)] | None = None
    stream_url: Annotated[str, Text(1000)] = Field(description="May carry credentials; never shown back",
                                                   examples=["rtsp://nvr-simpanglima.local:554/ch1"])
    priority: int = Priority
    enabled: bool = True

    _url = field_validator("stream_url")(_check_stream_url)


class CameraUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Text(200)] | None = Field(None, examples=["Simpang Lima, sisi utara"])
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    kecamatan: Annotated[str, Line(100)] | None = None
    kelurahan: Annotated[str, Line(100)] | None = None
    rt: Annotated[str, Line(20)] | None = None
    stream_url: Annotated[str, Text(1000)] | None = None
    priority: int | None = Field(None, ge=0, le=10)
    enabled: bool | None = None

    _url = field_validator("stream_url")(_check_stream_url)


class CameraHealth(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    state: str
    last_frame_at: datetime | None
    last_checked_at: datetime | None
    width: int | None
    height: int | None
    codec: str | None
    fps: float | None
    consecutive_failures: int
    last_error: str | None
    motion_score: float | None


class Camera(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    lat: float
    lon: float
    kecamatan: str
    kelurahan: str | None
    rt: str | None
    stream_url: str | None = Field(None, description="Only with ?include=stream_url, for supervisors; "
                                                      "credentials and query values redacted")
    priority: int
    enabled: bool
    created_at: datetime
    updated_at: datetime

    _redact = field_validator("stream_url")(lambda url: url and redact_url(url))


def camera_view(camera, with_stream_url: bool = False) -> Camera:
    """A camera as the API shows it: without its stream URL unless a supervisor asked for it (redacted)."""
    view = Camera.model_validate(camera)
    return view if with_stream_url else view.model_copy(update={"stream_url": None})


class CameraWithHealth(Camera):
    health: CameraHealth | None = None


class NearbyCamera(BaseModel):
    id: str
    name: str
    lat: float
    lon: float
    kecamatan: str
    distance_m: float
    state: str
    last_frame_at: datetime | None
    snapshot_url: str


class ImportResult(BaseModel):
    imported: int


class CameraPage(Page[Camera]):
    pass
