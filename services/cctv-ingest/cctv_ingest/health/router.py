from fastapi import APIRouter

from cctv_ingest.dependencies import SessionDep
from cctv_ingest.health import service
from cctv_ingest.health.schemas import HealthSummary
from kentongan.security import CurrentOperator

router = APIRouter(prefix="/v1/cameras", tags=["camera health"])


@router.get("/health", response_model=HealthSummary, summary="Cameras by state (online, degraded, offline, unknown, disabled) and by kecamatan")
async def camera_health(_: CurrentOperator, session: SessionDep) -> HealthSummary:
    return await service.summary(session)
