from fastapi import APIRouter
from fastapi.responses import Response

from cctv_ingest.cameras import service as cameras
from cctv_ingest.dependencies import BlobStoreDep, SessionDep
from cctv_ingest.snapshots.blobs import belongs_to
from cctv_ingest.snapshots.errors import SnapshotNotFound
from kentongan.security import CurrentOperator

router = APIRouter(prefix="/v1/cameras", tags=["snapshots"])


@router.get("/{camera_id}/snapshot", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}},
            summary="The camera's latest keyframe as JPEG, or the snapshot `ref` of an incident event")
async def get_snapshot(camera_id: str, _: CurrentOperator, session: SessionDep, blobs: BlobStoreDep,
                       ref: str | None = None) -> Response:
    _camera, health = await cameras.get(session, camera_id)
    wanted = ref if ref is not None else (health.snapshot_ref if health else None)
    data = blobs.get(wanted) if wanted and belongs_to(wanted, camera_id) else None
    if data is None:
        raise SnapshotNotFound()
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
