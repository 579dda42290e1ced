"""The representatives API: CSV bulk import (all rows or none, errors by line and field) and area lookup."""

from uuid import uuid4

from notifier.demo import demo_csv

HEADER = "code,name,role,kecamatan,kelurahan,rw,rt,lat,lon,language,sms,push,webhook\n"


async def test_a_csv_imports_and_a_second_import_updates_by_code(notifier, operator_headers, area):
    lat, lon = area
    code = f"CSV-{uuid4().hex[:8]}"
    csv = HEADER + f"{code},Bu Sri,rt,Candisari,Jomblang,02,04,{lat},{lon},id,+628111,,\n"
    admin = {**operator_headers("admin"), "content-type": "text/csv"}
    assert (await notifier.post("/v1/representatives/import", content=csv, headers=admin)).json() == {"imported": 1}
    again = csv.replace("Bu Sri", "Bu Sri Rahayu").replace("+628111,,", "+628111,tok-1,")
    await notifier.post("/v1/representatives/import", content=again, headers=admin)

    rep = (await notifier.get(f"/v1/representatives/{code}", headers=operator_headers())).json()
    assert rep["name"] == "Bu Sri Rahayu"
    assert rep["contacts"] == [{"channel": "sms", "address": "+628111"}, {"channel": "push", "address": "tok-1"}]


async def test_operators_page_through_a_kelurahan_by_code(notifier, operator_headers, area):
    lat, lon = area
    kelurahan = f"Kel{uuid4().hex[:8]}"
    codes = sorted(f"PAGE-{uuid4().hex[:8]}" for _ in range(3))
    csv = HEADER + "".join(f"{code},Bu Sri,rt,Candisari,{kelurahan},02,0{i},{lat},{lon},id,+628111,,\n"
                           for i, code in enumerate(codes, start=1))
    admin = {**operator_headers("admin"), "content-type": "text/csv"}
    assert (await notifier.post("/v1/representatives/import", content=csv, headers=admin)).json() == {"imported": 3}
    params = {"kecamatan": "Candisari", "kelurahan": kelurahan, "limit": 2}
    first = (await notifier.get("/v1/representatives", params=params, headers=operator_headers())).json()
    assert [rep["code"] for rep in first["items"]] == codes[:2] and first["next"]
    second = (await notifier.get("/v1/representatives", params={**params, "after": first["next"]},
                                 headers=operator_headers())).json()
    assert [rep["code"] for rep in second["items"]] == codes[2:] and second["next"] is None
    bad = await notifier.get("/v1/representatives", params={"after": "e30"}, headers=operator_headers())
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_cursor" and "after" in bad.json()["detail"]


async def test_a_csv_with_a_bad_row_imports_nothing_and_names_line_and_field(notifier, operator_headers):
    good, bad = f"CSV-{uuid4().hex[:8]}", f"CSV-{uuid4().hex[:8]}"
    csv = (HEADER + f"{good},A,rt,Tugu,Randugarut,01,01,-6.97,110.33,id,+62811,,\n"
                    f"{bad},B,rt,Tugu,Randugarut,01,02,north,110.33,id,,,\n")
    response = await notifier.post("/v1/representatives/import", content=csv,
                                   headers={**operator_headers("admin"), "content-type": "text/csv"})
    assert response.status_code == 422
    problems = {(p["line"], p["field"]) for p in response.json()["detail"]}
    assert problems == {(3, "lat"), (3, "contacts")}
    missing = await notifier.get(f"/v1/representatives/{good}", headers=operator_headers())
    assert missing.status_code == 404


async def test_only_admins_import_and_only_staff_read(notifier, operator_headers, partner_headers):
    csv_headers = {**operator_headers("operator"), "content-type": "text/csv"}
    assert (await notifier.post("/v1/representatives/import", content=HEADER, headers=csv_headers)).status_code == 403
    assert (await notifier.get("/v1/representatives", headers=partner_headers("dp3a"))).status_code == 403
    assert (await notifier.get("/v1/representatives")).status_code == 401


async def test_the_demo_registry_covers_every_kecamatan_and_lookup_finds_the_rt(notifier, operator_headers):
    response = await notifier.post("/v1/representatives/import", content=demo_csv(),
                                   headers={**operator_headers("admin"), "content-type": "text/csv"})
    assert response.status_code == 200 and response.json()["imported"] == 256

    # The demo's RT 01 of RW 01 in Kel. Pekunden sits 0.004 degrees west of Semarang Tengah's centroid.
    lookup = await notifier.get("/v1/areas/lookup", params={"lat": -6.9825, "lon": 110.414},
                                headers=operator_headers())
    assert lookup.status_code == 200
    assert lookup.json()["kecamatan"] == "Semarang Tengah"
    assert lookup.json()["home"]["code"] == "SMG-01-1-01-01"
    roles = {rep["role"] for rep in lookup.json()["alerted"]}
    assert roles == {"rt", "polisi_rw"}


async def test_lookup_names_the_bad_coordinate(notifier, operator_headers):
    response = await notifier.get("/v1/areas/lookup", params={"lat": 200, "lon": 110.4}, headers=operator_headers())
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "lat"
