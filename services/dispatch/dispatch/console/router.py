"""Serves the console page, its settings, and a read-only proxy to cctv-ingest's camera endpoints.

The page calls cctv-ingest through dispatch (same origin) rather than cctv-ingest directly, so the browser needs
no CORS, no second base URL and no second network path to the cameras service: only dispatch is exposed to the
Command Center's screens. The proxy forwards the operator's own bearer token, so cctv-ingest still authorises.

The page runs under a strict Content-Security-Policy (`console_policy`): scripts and styles from this origin
only, no inline script and no eval, requests to this origin only, images from here (and `blob:` for snapshots
fetched with the token) plus the tile server when one is configured. Every server string reaches the page
as text (console.js renders through DOM nodes), so a hostile unit or camera name stays a name.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from dispatch.console.errors import CamerasUnavailable, NotProxied
from dispatch.console.vocabulary import console_vocabulary
from dispatch.settings import Settings
from kentongan.geo import KECAMATAN
from kentongan.headers import content_security_policy
from kentongan.security import CurrentOperator

STATIC = Path(__file__).parent / "static"
# Only what the console reads: nearby cameras, health by area, a camera's snapshot; each with the query
# parameters it takes. Nothing that changes cameras, nothing else of cctv-ingest (its /metrics, its /readyz).
PROXIED = {"nearby": ("lat", "lon", "radius_m", "limit"), "health": (), "snapshot": ("ref",)}
# The path after /v1/cameras/, whole: a view, or a camera id (cctv-ingest's own pattern, not only dots) and
# /snapshot. Checked on the decoded path, so an encoded `..%2F`, `%23` or `%3F` can never match.
PROXIED_PATH = re.compile(r"(?P<view>nearby|health)|(?!\.+/)[A-Za-z0-9_.:-]{1,64}/(?P<snapshot>snapshot)")

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("")
async def console_page(request: Request) -> FileResponse:
    policy = request.app.state.console_policy
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache", "Content-Security-Policy": policy})


@router.get("/config.json")
async def console_config(request: Request) -> dict[str, object]:
    """Settings the page needs, the kecamatan centres that label a map without tiles, and the incident
    vocabulary (statuses, categories, transitions, labels); nothing secret."""
    settings: Settings = request.app.state.settings
    # Staff sign in at the OIDC provider (Authorization Code + PKCE, a public client); without one, in
    # development, the page asks for a `make token` token instead.
    return {"tile_url": settings.map_tile_url, "tile_attribution": settings.map_tile_attribution,
            "areas": {name: list(centre) for name, centre in KECAMATAN.items()},
            "oidc_issuer": settings.oidc_issuer, "oidc_client_id": settings.oidc_client_id,
            "vocabulary": console_vocabulary()}


@router.get("/cctv/v1/cameras/{path:path}")
async def cameras_proxy(path: str, request: Request, _: CurrentOperator) -> Response:
    matched = PROXIED_PATH.fullmatch(path)
    if matched is None:
        raise NotProxied()
    params = {name: request.query_params[name] for name in PROXIED[matched["view"] or matched["snapshot"]]
              if name in request.query_params}
    settings: Settings = request.app.state.settings
    headers = {k: v for k, v in request.headers.items() if k.lower() == "authorization"}
    try:
        async with httpx.AsyncClient(base_url=settings.cctv_ingest_url, timeout=settings.cctv_timeout_s) as client:
            upstream = await client.get(f"/v1/cameras/{path}", params=params, headers=headers)
    except httpx.HTTPError as exc:
        raise CamerasUnavailable(f"cctv-ingest unreachable: {type(exc).__name__}") from exc
    return Response(upstream.content, status_code=upstream.status_code,
                    media_type=upstream.headers.get("content-type"), headers={"Cache-Control": "no-store"})


def console_policy(tile_url: str, issuer: str | None = None) -> str:
    """The page's Content-Security-Policy; the tile server's origin only when tiles are configured, and the
    OIDC provider's origin (discovery, token requests) only when sign-in goes through one."""
    tiles = f" {tile_source(tile_url)}" if tile_url else ""
    provider = f" {issuer_source(issuer)}" if issuer else ""
    return content_security_policy(script_src="'self'", style_src="'self'", img_src=f"'self' blob:{tiles}",
                                   connect_src=f"'self'{provider}")


def issuer_source(issuer: str) -> str:
    """The CSP source of the OIDC issuer: its scheme and host, nothing else."""
    parts = urlsplit(issuer)
    if parts.scheme not in ("http", "https") or not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", parts.netloc):
        raise ValueError(f"KENTONGAN_OIDC_ISSUER must be an http(s) URL with a plain host: {issuer!r}")
    return f"{parts.scheme}://{parts.netloc}"


def tile_source(tile_url: str) -> str:
    """The CSP source of a Leaflet tile URL: "https://{s}.tile.example.org/{z}/{x}/{y}.png" gives
    "https://*.tile.example.org"."""
    parts = urlsplit(tile_url)
    host = parts.netloc.removeprefix("{s}.")
    if parts.scheme not in ("http", "https") or not host or not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", host):
        raise ValueError(f"DISPATCH_MAP_TILE_URL must be an http(s) URL with a plain host (or {{s}}.host): "
                         f"{tile_url!r}")
    return f"{parts.scheme}://{'*.' if host != parts.netloc else ''}{host}"


def install_console(app: FastAPI) -> None:
    """The page at /console, its assets at /console/static, the camera proxy at /console/cctv."""
    settings = app.state.settings
    app.state.console_policy = console_policy(settings.map_tile_url, settings.oidc_issuer)
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
