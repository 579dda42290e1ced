from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from cctv_ingest.cameras import service as cameras
from cctv_ingest.cameras.router import CameraIdPath
from cctv_ingest.dependencies import BlobStoreDep, SessionDep
from cctv_ingest.snapshots.blobs import belongs_to
from cctv_ingest.snapshots.errors import SnapshotNotFound
from kentongan.blobs import BlobNotFound, read_all
from kentongan.security import CurrentOperator
from kentongan.text import Line

router = APIRouter(prefix="/v1/cameras", tags=["snapshots"])


@router.get("/{camera_id}/snapshot", response_class=Response,
            responses={200: {"content": {"image/jpeg": {}}}},
            summary="The camera's latest keyframe as JPEG, or the snapshot `ref` of an incident event")
async def get_snapshot(camera_id: CameraIdPath, _: CurrentOperator, session: SessionDep, blobs: BlobStoreDep,
                       ref: Annotated[Annotated[str, Line(300)] | None, Query()] = None) -> Response:
    _camera, health = await cameras.get(session, camera_id)
    wanted = ref if ref is not None else (health.snapshot_ref if health else None)
    if not (wanted and belongs_to(wanted, camera_id)):
        raise SnapshotNotFound()
    try:
        data = await read_all(blobs, wanted)
    except BlobNotFound:
        raise SnapshotNotFound() from None
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
