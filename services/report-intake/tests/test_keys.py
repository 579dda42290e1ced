"""Key rotation end to end: a new keyring key is rolled out, `kentongan keys rotate` re-wraps every case's data
key under it while the service keeps serving, and the cases then open with the new key alone; cases sealed
before envelope encryption still open."""

import asyncio
import base64
import os
from uuid import UUID

from sqlalchemy import text

from kentongan.cli import main
from kentongan.crypto import Keyring, Sealed
from kentongan.datakeys import DataKeyring, WrappedKey, unwrap
from report_intake.cases.keys import owner
from report_intake.crypto import seal_json
from report_intake.main import create_app
from report_intake.settings import Settings

NEW_KEY = base64.b64encode(os.urandom(32)).decode()


async def _key_ids(database) -> dict[str, int]:
    async with database.connect() as conn:
        return dict((await conn.execute(text("SELECT key_id, count(*) FROM report_intake.case_keys "
                                             "GROUP BY key_id"))).all())


async def _narrative(client, report_id, operator_headers) -> str:
    response = await client.get(f"/v1/staff/reports/{report_id}", headers=operator_headers("supervisor"))
    assert response.status_code == 200, response.text
    return response.json()["narrative"]


async def test_rotation_rewraps_every_data_key_without_downtime(serve, submit, report_body, database,
                                                                operator_headers, monkeypatch, capsys):
    before, _ = await submit(report_body(narrative="sebelum rotasi kunci, cerita lama"))
    old = Settings().encryption_keys.get_secret_value()
    # 1. Every replica gets the new key listed and made active (a rolling restart); old keys stay listed.
    monkeypatch.setenv("REPORT_INTAKE_ENCRYPTION_KEYS", f"{old},k2026:{NEW_KEY}")
    monkeypatch.setenv("REPORT_INTAKE_ACTIVE_KEY_ID", "k2026")
    async with serve(create_app()) as rolled:
        created = await rolled.post("/v1/reports", json=report_body(narrative="ditulis saat rotasi kunci"))
        during = created.json()["report_id"]
        assert (await _key_ids(database)).get("k2026", 0) >= 1  # new cases use the new key at once
        # 2. The rotation (the command, in its own thread and event loop) while the service serves.
        rotation = asyncio.create_task(asyncio.to_thread(main, ["keys", "rotate", "--batch-size", "2"]))
        while not rotation.done():
            assert await _narrative(rolled, before, operator_headers) == "sebelum rotasi kunci, cerita lama"
        await rotation
        printed = capsys.readouterr().out
        assert "report-intake: re-wrapped" in printed and "under 'k2026'" in printed
        assert set(await _key_ids(database)) == {"k2026"}
        assert await _narrative(rolled, before, operator_headers) == "sebelum rotasi kunci, cerita lama"
        assert await _narrative(rolled, during, operator_headers) == "ditulis saat rotasi kunci"
        await asyncio.to_thread(main, ["keys", "rotate"])  # nothing left to do
        assert "re-wrapped 0 data key(s)" in capsys.readouterr().out
    # 3. The old key can go: every case opens with the new key alone.
    only_new = Keyring({"k2026": base64.b64decode(NEW_KEY)}, "k2026")
    async with database.connect() as conn:
        wrapped = (await conn.execute(text("SELECT key_id, wrapped FROM report_intake.case_keys "
                                           "WHERE report_id = :id"), {"id": before})).one()
        sealed = (await conn.execute(text("SELECT key_id, sealed FROM report_intake.reports WHERE id = :id"),
                                     {"id": before})).one()
    data_key = unwrap(only_new, WrappedKey(*wrapped), owner(UUID(before)))
    opened = DataKeyring(data_key, only_new).open(Sealed(*sealed), UUID(before).bytes)
    assert b"sebelum rotasi" in opened
    # Back to the development key, so the other tests' services read every case again.
    monkeypatch.setenv("REPORT_INTAKE_ACTIVE_KEY_ID", "dev-only")
    await asyncio.to_thread(main, ["keys", "rotate"])
    assert set(await _key_ids(database)) == {"dev-only"}


async def test_a_case_sealed_before_envelope_encryption_still_opens_and_erases(
        intake, submit, report_body, database, operator_headers):
    report_id, token = await submit(report_body(narrative="kasus lama tanpa kunci sendiri"))
    keyring = Keyring.from_settings(Settings())
    legacy = seal_json(keyring, {**await _private(intake, report_id, operator_headers),
                                 "narrative": "kasus lama tanpa kunci sendiri"}, UUID(report_id).bytes)
    async with database.begin() as conn:  # as the service stored cases before this change
        await conn.execute(text("UPDATE report_intake.reports SET key_id = :kid, sealed = :blob WHERE id = :id"),
                           {"kid": legacy.key_id, "blob": legacy.blob, "id": report_id})
        await conn.execute(text("DELETE FROM report_intake.case_keys WHERE report_id = :id"), {"id": report_id})
    assert await _narrative(intake, report_id, operator_headers) == "kasus lama tanpa kunci sendiri"
    written = await intake.post(f"/v1/reports/{report_id}/messages", json={"body": "masih bisa menulis"},
                                headers={"X-Case-Token": token})
    assert written.status_code == 201  # the case got its own data key for what is sealed from now on
    assert (await intake.request("DELETE", f"/v1/reports/{report_id}", headers={"X-Case-Token": token},
                                 json={"confirm": True})).status_code == 204


async def _private(client, report_id, operator_headers) -> dict:
    detail = (await client.get(f"/v1/staff/reports/{report_id}", headers=operator_headers("supervisor"))).json()
    fields = ("narrative", "occurred_at", "location", "victim", "perpetrator_relation", "school", "contact")
    return {field: detail.get(field) for field in fields}
