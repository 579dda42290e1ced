"""The console's page, assets, settings and camera proxy (the page itself is tested in tests/console)."""

import httpx
import pytest

from dispatch.console.router import console_policy
from dispatch.main import create_app
from dispatch.settings import Settings
from kentongan.dev.stack import free_port


@pytest.fixture
async def console_client(stack):
    # Nothing listens on this port: cctv-ingest is down. The console routes need no workers or database.
    app = create_app(Settings(cctv_ingest_url=f"http://127.0.0.1:{free_port()}", map_tile_url=""))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


async def test_the_page_and_its_vendored_assets_are_served_without_any_cdn(console_client):
    page = await console_client.get("/console")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "http://" not in page.text and "https://" not in page.text
    for asset in ("console.js", "console.css", "vendor/leaflet/leaflet.js", "vendor/leaflet/images/marker-icon.png"):
        assert (await console_client.get(f"/console/static/{asset}")).status_code == 200, asset


async def test_config_has_no_tiles_by_default_and_names_the_kecamatan(console_client):
    config = (await console_client.get("/console/config.json")).json()
    assert config["tile_url"] == ""
    assert config["areas"]["Semarang Tengah"] == [-6.9785, 110.418]
    assert config["oidc_issuer"] is None  # no provider: development tokens
    assert config["oidc_client_id"] == "kentongan-console"


async def test_with_a_provider_the_page_is_told_it_and_may_call_its_origin_only(stack):
    issuer = "https://sso.semarangkota.go.id/realms/command-center"
    app = create_app(Settings(map_tile_url="", oidc_issuer=issuer))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        config = (await client.get("/console/config.json")).json()
        policy = (await client.get("/console")).headers["content-security-policy"]
    assert (config["oidc_issuer"], config["oidc_client_id"]) == (issuer, "kentongan-console")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["connect-src"] == "'self' https://sso.semarangkota.go.id"
    assert dict(d.strip().split(" ", 1) for d in console_policy("").split(";"))["connect-src"] == "'self'"
    with pytest.raises(ValueError, match="KENTONGAN_OIDC_ISSUER"):
        console_policy("", "https://sso.example.org'; connect-src *")


async def test_the_camera_proxy_needs_a_token_and_forwards_only_read_views(console_client, operator_headers):
    assert (await console_client.get("/console/cctv/v1/cameras/health")).status_code == 401
    other = await console_client.get("/console/cctv/v1/cameras/import", headers=operator_headers())
    assert other.status_code == 404 and other.json()["error"] == "not_proxied"


async def test_an_unreachable_cctv_ingest_is_a_plain_502(console_client, operator_headers):
    response = await console_client.get("/console/cctv/v1/cameras/health", headers=operator_headers())
    assert response.status_code == 502 and response.json()["error"] == "cameras_unavailable"


CLIMBING = ["..%2F..%2Fmetrics%23/health", "..%2F..%2Freadyz%3F/nearby", "..%2Fsnapshot",
            "CAM-1/..%2F..%2F..%2Fmetrics%23/snapshot", "a/b/snapshot", "health/x", "nearby%00",
            "CAM%201/snapshot"]


@pytest.mark.parametrize("path", CLIMBING)
async def test_the_camera_proxy_refuses_any_other_path_before_calling_cctv_ingest(
        console_client, operator_headers, path):
    response = await console_client.get(httpx.URL(f"http://testserver/console/cctv/v1/cameras/{path}"),
                                        headers=operator_headers())
    assert response.status_code == 404 and response.json()["error"] == "not_proxied"


@pytest.mark.parametrize("path", ["nearby", "health", "CAM-1.a:b_c/snapshot"])
async def test_the_camera_views_themselves_are_proxied(console_client, operator_headers, path):
    response = await console_client.get(f"/console/cctv/v1/cameras/{path}", headers=operator_headers())
    assert response.status_code == 502  # let through, to a cctv-ingest that is down here


def test_the_map_tile_host_is_allowed_only_when_tiles_are_configured():
    assert "tile" not in console_policy("")
    assert "img-src 'self' blob: https://*.tile.example.org;" in console_policy(
        "https://{s}.tile.example.org/{z}/{x}/{y}.png")
    assert "img-src 'self' blob: http://127.0.0.1:8080;" in console_policy("http://127.0.0.1:8080/{z}/{x}/{y}.png")
    for bad in ("javascript:alert(1)//{z}", "https://tiles.example.org'; script-src *", "//no-scheme/{z}"):
        with pytest.raises(ValueError, match="DISPATCH_MAP_TILE_URL"):
            console_policy(bad)


async def test_live_sessions_need_a_token_and_the_live_stream_only_a_well_formed_ticket(
        console_client, operator_headers):
    assert (await console_client.post("/console/cctv/v1/cameras/CAM-1/live-sessions")).status_code == 401
    granted = await console_client.post("/console/cctv/v1/cameras/CAM-1/live-sessions", headers=operator_headers())
    assert granted.status_code == 502  # let through, to a cctv-ingest that is down here
    for url in ("/console/cctv/v1/cameras/CAM-1/live", "/console/cctv/v1/cameras/CAM-1/live?ticket=a.b%0a",
                "/console/cctv/v1/cameras/CAM-1/live?ticket=no-dot", "/console/cctv/v1/cameras/CAM%201/live?ticket=a.b"):
        refused = await console_client.get(url)
        assert refused.status_code == 404 and refused.json()["error"] == "not_proxied", url
    # The ticket is the authority (a <video> sends no token): a well-formed one is relayed to cctv-ingest.
    relayed = await console_client.get("/console/cctv/v1/cameras/CAM-1/live?ticket=abc.def")
    assert relayed.status_code == 502


def test_live_video_may_come_from_this_origin_only():
    assert "media-src 'self'" in console_policy("")
