"""Camera credentials never leave cctv-ingest: no API answer echoes a stored stream URL unless a supervisor
asks for it explicitly, and then with its userinfo dropped and every query value that is not a stream selector
masked."""

from uuid import uuid4

import pytest

from cctv_ingest.main import create_app
from cctv_ingest.settings import Settings

SECRETS = {"access_token": "tok-AAA111", "api_key": "key-BBB222", "apikey": "key-CCC333",
           "auth_token": "tok-DDD444", "pw": "pw-EEE555", "sig": "sig-FFF666"}
URL = ("rtsp://viewer:pass-GGG777@10.44.0.9:554/Streaming/Channels/102?channel=3&"
       + "&".join(f"{name}={value}" for name, value in SECRETS.items()))
LEAKS = [*SECRETS.values(), "pass-GGG777", "viewer"]


@pytest.fixture(scope="module")
async def cctv(serve, tmp_path_factory):
    settings = Settings(ingest_enabled=False, blob_dir=str(tmp_path_factory.mktemp("credential-blobs")))
    async with serve(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="module")
async def camera(cctv, operator_headers) -> dict:
    body = {"id": f"cred-{uuid4().hex[:10]}", "name": "Tugu Muda", "lat": -6.9847, "lon": 110.4094,
            "stream_url": URL, "enabled": False}
    created = await cctv.post("/v1/cameras", json=body, headers=operator_headers("admin"))
    assert created.status_code == 201, created.text
    assert all(leak not in created.text for leak in LEAKS) and "10.44.0.9" not in created.text
    return body


@pytest.mark.parametrize("role", ["operator", "supervisor", "admin"])
async def test_no_answer_shows_the_stream_url_unless_asked(cctv, operator_headers, camera, role):
    headers = operator_headers(role)
    answers = [await cctv.get(f"/v1/cameras/{camera['id']}", headers=headers),
               await cctv.get("/v1/cameras", params={"limit": 500}, headers=headers),
               await cctv.get("/v1/cameras/nearby", params={"lat": -6.9847, "lon": 110.4094},
                              headers=headers),
               await cctv.patch(f"/v1/cameras/{camera['id']}", json={"priority": 2},
                                headers=operator_headers("admin"))]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert "10.44.0.9" not in answer.text and all(leak not in answer.text for leak in LEAKS)


async def test_a_supervisor_who_asks_sees_it_redacted_and_an_operator_may_not_ask(cctv, operator_headers,
                                                                                  camera):
    shown = await cctv.get(f"/v1/cameras/{camera['id']}", params={"include": "stream_url"},
                           headers=operator_headers("supervisor"))
    assert shown.status_code == 200
    assert shown.json()["stream_url"] == ("rtsp://10.44.0.9:554/Streaming/Channels/102?channel=3&"
                                          + "&".join(f"{name}=***" for name in SECRETS))
    listed = await cctv.get("/v1/cameras", params={"include": "stream_url", "limit": 1000},
                            headers=operator_headers("supervisor"))
    assert all(leak not in listed.text for leak in LEAKS)
    refused = await cctv.get(f"/v1/cameras/{camera['id']}", params={"include": "stream_url"},
                             headers=operator_headers("operator"))
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
