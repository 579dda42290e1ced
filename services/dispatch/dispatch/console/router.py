"""Serves the console page, its settings, and a read-only proxy to cctv-ingest's camera endpoints.

The page calls cctv-ingest through dispatch (same origin) rather than cctv-ingest directly, so the browser needs
no CORS, no second base URL and no second network path to the cameras service: only dispatch is exposed to the
Command Center's screens. The proxy forwards the operator's own bearer token, so cctv-ingest still authorises.
"""

from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from dispatch.console.errors import CamerasUnavailable, NotProxied
from dispatch.settings import Settings
from kentongan.geo import KECAMATAN
from kentongan.security import CurrentOperator

STATIC = Path(__file__).parent / "static"
# Only what the console reads: nearby cameras, health by area, snapshots. Nothing that changes cameras.
PROXIED = ("nearby", "health", "snapshot")

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("")
async def console_page() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/config.json")
async def console_config(request: Request) -> dict:
    """Settings the page needs, and the kecamatan centres that label a map without tiles; nothing secret."""
    settings: Settings = request.app.state.settings
    return {"tile_url": settings.map_tile_url, "tile_attribution": settings.map_tile_attribution,
            "areas": {name: list(centre) for name, centre in KECAMATAN.items()}}


@router.get("/cctv/v1/cameras/{path:path}")
async def cameras_proxy(path: str, request: Request, _: CurrentOperator) -> Response:
    if path.rsplit("/", 1)[-1] not in PROXIED:
        raise NotProxied()
    settings: Settings = request.app.state.settings
    headers = {k: v for k, v in request.headers.items() if k.lower() == "authorization"}
    try:
        async with httpx.AsyncClient(base_url=settings.cctv_ingest_url, timeout=settings.cctv_timeout_s) as client:
            upstream = await client.get(f"/v1/cameras/{path}", params=request.query_params, headers=headers)
    except httpx.HTTPError as exc:
        raise CamerasUnavailable(f"cctv-ingest unreachable: {type(exc).__name__}") from exc
    return Response(upstream.content, status_code=upstream.status_code,
                    media_type=upstream.headers.get("content-type"), headers={"Cache-Control": "no-store"})


def install_console(app: FastAPI) -> None:
    """The page at /console, its assets at /console/static, the camera proxy at /console/cctv."""
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
