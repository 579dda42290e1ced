"""Serves the console page, its settings, and a read-only proxy to cctv-ingest's camera endpoints.

The page calls cctv-ingest through dispatch (same origin) rather than cctv-ingest directly, so the browser needs
no CORS, no second base URL and no second network path to the cameras service: only dispatch is exposed to the
Command Center's screens. The proxy forwards the operator's own bearer token, so cctv-ingest still authorises.

The page runs under a strict Content-Security-Policy (`console_policy`): scripts and styles from this origin
only, no inline script and no eval, requests to this origin only, images from here (and `blob:` for snapshots
fetched with the token) plus the tile server when one is configured, and media (live camera video, through
the proxy below) from here only. Every server string reaches the page
as text (console.js renders through DOM nodes), so a hostile unit or camera name stays a name.
"""

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import anyio
import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
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


CAMERA_ID = re.compile(r"(?!\.+$)[A-Za-z0-9_.:-]{1,64}")
TICKET = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
# A live stream sends a fragment per GOP (a few seconds at most); silence longer than this is a dead stream.
LIVE_READ_TIMEOUT_S = 30.0


def _camera_id(camera_id: str) -> str:
    if not CAMERA_ID.fullmatch(camera_id):
        raise NotProxied()
    return camera_id


@router.post("/cctv/v1/cameras/{camera_id}/live-sessions")
async def live_session_proxy(camera_id: str, request: Request, _: CurrentOperator) -> Response:
    """A live ticket for the operator (cctv-ingest authorises the forwarded token and audits the session)."""
    settings: Settings = request.app.state.settings
    headers = {k: v for k, v in request.headers.items() if k.lower() == "authorization"}
    try:
        async with httpx.AsyncClient(base_url=settings.cctv_ingest_url, timeout=settings.cctv_timeout_s) as client:
            upstream = await client.post(f"/v1/cameras/{_camera_id(camera_id)}/live-sessions", headers=headers)
    except httpx.HTTPError as exc:
        raise CamerasUnavailable(f"cctv-ingest unreachable: {type(exc).__name__}") from exc
    return Response(upstream.content, status_code=upstream.status_code,
                    media_type=upstream.headers.get("content-type"), headers={"Cache-Control": "no-store"})


@router.get("/cctv/v1/cameras/{camera_id}/live")
async def live_proxy(camera_id: str, request: Request) -> Response:
    """The camera's live stream, relayed byte for byte (a <video> cannot send the operator's token: the signed
    ticket in the URL is the authority, checked by cctv-ingest). Redirects to the camera's owning worker are
    followed here, so the browser only ever talks to this origin (CSP media-src 'self')."""
    ticket = request.query_params.get("ticket", "")
    if not TICKET.fullmatch(ticket) or len(ticket) > 1000:
        raise NotProxied()
    settings: Settings = request.app.state.settings
    client = httpx.AsyncClient(base_url=settings.cctv_ingest_url, follow_redirects=True, timeout=httpx.Timeout(
        settings.cctv_timeout_s, read=LIVE_READ_TIMEOUT_S))
    try:
        upstream = await client.send(client.build_request(
            "GET", f"/v1/cameras/{_camera_id(camera_id)}/live", params={"ticket": ticket}), stream=True)
    except httpx.HTTPError as exc:
        await client.aclose()
        raise CamerasUnavailable(f"cctv-ingest unreachable: {type(exc).__name__}") from exc

    async def relay() -> AsyncIterator[bytes]:
        try:
            async for chunk in upstream.aiter_raw():
                yield chunk
        except httpx.HTTPError:
            return  # the camera's stream ended uncleanly: end ours
        finally:
            with anyio.CancelScope(shield=True):  # the viewer left: close the upstream so cctv-ingest sees it
                await upstream.aclose()
                await client.aclose()

    headers = {"Cache-Control": "no-store"}
    if "retry-after" in upstream.headers:
        headers["Retry-After"] = upstream.headers["retry-after"]
    return StreamingResponse(relay(), status_code=upstream.status_code,
                             media_type=upstream.headers.get("content-type"), headers=headers)


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
    # media-src: live video comes through this origin's camera proxy (JPEG fallbacks are images from it too).
    return content_security_policy(script_src="'self'", style_src="'self'", img_src=f"'self' blob:{tiles}",
                                   connect_src=f"'self'{provider}", media_src="'self'")


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
