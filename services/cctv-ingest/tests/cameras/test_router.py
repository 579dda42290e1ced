"""The registry as operators and admins use it: register, change, import, search around a point."""

import json
import random
from uuid import uuid4

import pytest

from kentongan.geo import haversine_m


async def test_admin_registers_a_camera_and_operators_read_it_without_credentials(cctv, admin, operator,
                                                                                   camera_body):
    body = camera_body(stream_url="rtsp://admin:s3cret@10.1.2.3:554/Streaming/Channels/101?password=hunter2")
    created = await cctv.post("/v1/cameras", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["kecamatan"] == "Semarang Selatan", created.json()  # derived from the location
    read = await cctv.get(f"/v1/cameras/{body['id']}", headers=operator)
    listed = await cctv.get("/v1/cameras", params={"limit": 500}, headers=operator)
    for text in (created.text, read.text, listed.text):
        assert "s3cret" not in text and "hunter2" not in text and "admin:" not in text
        assert "10.1.2.3" not in text  # the stream URL is not shown at all unless a supervisor asks
    supervisor = await cctv.get(f"/v1/cameras/{body['id']}", params={"include": "stream_url"}, headers=admin)
    assert supervisor.json()["stream_url"] == "rtsp://10.1.2.3:554/Streaming/Channels/101?password=***"
    refused = await cctv.get(f"/v1/cameras/{body['id']}", params={"include": "stream_url"}, headers=operator)
    assert refused.status_code == 403 and "stream_url" in refused.json()["detail"]


async def test_only_supervisors_and_admins_change_the_registry(cctv, operator, admin, camera_body):
    body = camera_body()
    assert (await cctv.post("/v1/cameras", json=body, headers=operator)).status_code == 403
    assert (await cctv.post("/v1/cameras", json=body)).status_code == 401
    assert (await cctv.post("/v1/cameras", json=body, headers=admin)).status_code == 201
    assert (await cctv.post("/v1/cameras", json=body, headers=admin)).status_code == 409
    assert (await cctv.patch(f"/v1/cameras/{body['id']}", json={"priority": 5}, headers=operator)).status_code == 403


async def test_patch_moves_a_camera_and_recomputes_its_kecamatan(cctv, admin, camera_body):
    body = camera_body()
    await cctv.post("/v1/cameras", json=body, headers=admin)
    moved = await cctv.patch(f"/v1/cameras/{body['id']}", json={"lat": -7.0530, "lon": 110.4380, "enabled": False},
                             headers=admin)
    assert moved.status_code == 200
    assert moved.json()["kecamatan"] == "Tembalang" and moved.json()["enabled"] is False
    assert (await cctv.patch(f"/v1/cameras/no-such-{uuid4().hex}", json={"priority": 1},
                             headers=admin)).status_code == 404


async def test_bad_input_names_the_field(cctv, admin, camera_body):
    cases = {"lat": camera_body(lat=-91), "stream_url": camera_body(stream_url="file:///etc/passwd"),
             "id": camera_body(id="has spaces"), "priority": camera_body(priority=11)}
    for field, body in cases.items():
        response = await cctv.post("/v1/cameras", json=body, headers=admin)
        assert response.status_code == 422, field
        assert field in [d["field"] for d in response.json()["detail"]], field


async def test_operators_page_through_cameras_by_id_within_a_kecamatan(cctv, admin, operator, camera_body):
    area = f"Kec-{uuid4().hex[:8]}"
    ids = sorted(f"page-{uuid4().hex[:10]}" for _ in range(3))
    for camera_id in reversed(ids):
        assert (await cctv.post("/v1/cameras", json=camera_body(id=camera_id, kecamatan=area),
                                headers=admin)).status_code == 201
    first = (await cctv.get("/v1/cameras", params={"kecamatan": area, "limit": 2}, headers=operator)).json()
    assert [c["id"] for c in first["items"]] == ids[:2] and first["next"]
    second = (await cctv.get("/v1/cameras", params={"kecamatan": area, "limit": 2, "after": first["next"]},
                             headers=operator)).json()
    assert [c["id"] for c in second["items"]] == ids[2:] and second["next"] is None
    bad = await cctv.get("/v1/cameras", params={"after": "%%%"}, headers=operator)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_cursor" and "after" in bad.json()["detail"]


async def test_csv_import_of_11000_cameras_then_reimport_replaces_them(cctv, admin, operator):
    from cctv_ingest.demo import demo_csv

    prefix = f"imp{uuid4().hex[:6]}"
    text = demo_csv(11_000).replace("smg-", f"{prefix}-")
    response = await cctv.post("/v1/cameras/import", content=text.encode(),
                               headers={**admin, "content-type": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.json() == {"imported": 11_000}
    again = await cctv.post("/v1/cameras/import", content=text.replace("CCTV ", "Kamera ").encode(),
                            headers={**admin, "content-type": "text/csv"})
    assert again.json() == {"imported": 11_000}
    one = await cctv.get(f"/v1/cameras/{prefix}-00042", headers=operator)
    assert one.json()["name"].startswith("Kamera ") and "demo-pass" not in one.text


async def test_geojson_import_and_a_broken_row_is_refused_naming_row_and_field(cctv, admin, operator):
    ids = [f"geo-{uuid4().hex[:10]}" for _ in range(3)]
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [110.41 + i / 1000, -6.98]},
                 "properties": {"id": camera_id, "name": f"Tugu Muda {i}", "stream_url": "http://127.0.0.1:9/x"}}
                for i, camera_id in enumerate(ids)]
    document = {"type": "FeatureCollection", "features": features}
    response = await cctv.post("/v1/cameras/import", content=json.dumps(document),
                               headers={**admin, "content-type": "application/geo+json"})
    assert response.json() == {"imported": 3}
    assert (await cctv.get(f"/v1/cameras/{ids[2]}", headers=operator)).json()["lon"] == 110.41 + 2 / 1000
    features[1]["properties"]["stream_url"] = "gopher://x"
    broken = await cctv.post("/v1/cameras/import", content=json.dumps(document),
                             headers={**admin, "content-type": "application/geo+json"})
    assert broken.status_code == 422
    assert broken.json()["detail"][0]["row"] == 1 and broken.json()["detail"][0]["field"] == "stream_url"
    wrong_type = await cctv.post("/v1/cameras/import", content=b"x", headers={**admin, "content-type": "text/plain"})
    assert wrong_type.status_code == 415


async def test_nearby_returns_what_haversine_says_nearest_first(cctv, admin, operator):
    rng = random.Random(7)
    centre = (-6.2000 + rng.uniform(-0.1, 0.1), 106.8000)  # away from other tests' cameras (Jakarta)
    cameras = [{"id": f"near-{uuid4().hex[:10]}", "name": f"n{i}", "lat": centre[0] + rng.uniform(-0.01, 0.01),
                "lon": centre[1] + rng.uniform(-0.01, 0.01), "stream_url": "http://127.0.0.1:9/x"}
               for i in range(60)]
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [c["lon"], c["lat"]]},
         "properties": {k: v for k, v in c.items() if k not in ("lat", "lon")}} for c in cameras]}
    await cctv.post("/v1/cameras/import", content=json.dumps(document),
                    headers={**admin, "content-type": "application/geo+json"})
    response = await cctv.get("/v1/cameras/nearby", headers=operator,
                              params={"lat": centre[0], "lon": centre[1], "radius_m": 600, "limit": 200})
    assert response.status_code == 200
    expected = sorted((haversine_m(*centre, c["lat"], c["lon"]), c["id"]) for c in cameras)
    expected = [(d, camera_id) for d, camera_id in expected if d <= 600]
    got = response.json()
    assert len(expected) >= 10
    assert [c["id"] for c in got] == [camera_id for _, camera_id in expected]
    assert all(abs(c["distance_m"] - d) < 0.1 for c, (d, _) in zip(got, expected, strict=False))
    limited = await cctv.get("/v1/cameras/nearby", headers=operator,
                             params={"lat": centre[0], "lon": centre[1], "radius_m": 600, "limit": 3})
    assert [c["id"] for c in limited.json()] == [camera_id for _, camera_id in expected[:3]]
    for feature in document["features"]:  # done: stop the test worker from polling their dead URLs
        feature["properties"]["enabled"] = False
    await cctv.post("/v1/cameras/import", content=json.dumps(document),
                    headers={**admin, "content-type": "application/geo+json"})
    disabled = await cctv.get("/v1/cameras/nearby", headers=operator,
                              params={"lat": centre[0], "lon": centre[1], "radius_m": 600, "limit": 200})
    assert len(disabled.json()) == len(expected) and {c["state"] for c in disabled.json()} == {"disabled"}
    bad = await cctv.get("/v1/cameras/nearby", headers=operator, params={"lat": 100, "lon": 110})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "lat"


@pytest.mark.parametrize(("document", "field"), [
    ({"type": "FeatureCollection", "features": 5}, "features"),
    ({"type": "FeatureCollection", "features": "cameras"}, "features"),
    ({"type": "FeatureCollection", "features": {"a": 1}}, "features"),
    ({"type": "FeatureCollection", "features": [5]}, "feature"),
    ({"type": "FeatureCollection", "features": [{"geometry": {"type": "Point", "coordinates": [110.4, -6.9]},
                                                 "properties": 5}]}, "properties"),
])
async def test_a_geojson_of_the_wrong_shape_is_a_422_naming_the_field(cctv, admin, document, field):
    response = await cctv.post("/v1/cameras/import", content=json.dumps(document),
                               headers={**admin, "content-type": "application/geo+json"})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "import_rejected"
    assert [problem["field"] for problem in response.json()["detail"]] == [field]
