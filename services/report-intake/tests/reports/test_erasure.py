"""Erasure on request and crypto-shredding: a reporter erases the case with the case token; afterwards nothing
of it opens, not even a copy of its ciphertext taken before (a backup), with any key the service holds."""

from uuid import UUID

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import text

from kentongan.crypto import NONCE_BYTES, Keyring, Sealed, parse_keys
from kentongan.datakeys import DATA_KEY_ID, DataKeyring, WrappedKey, unwrap
from kentongan.dev.testing import eventually
from kentongan.events import topics
from report_intake.cases.keys import owner
from report_intake.settings import Settings

CONTACT = {"phone": "+62 812 7777 0303", "safe_to_contact": True}


async def _erase(intake, report_id, token, body=None):
    return await intake.request("DELETE", f"/v1/reports/{report_id}", headers={"X-Case-Token": token},
                                json={"confirm": True} if body is None else body)


async def _case_with_a_thread(intake, submit, report_body, partner_headers, referral_id_for):
    body = report_body(contact=CONTACT, consent={"share_with_agencies": True, "contact_me": True})
    report_id, token = await submit(body)
    case = {"X-Case-Token": token}
    assert (await intake.post(f"/v1/reports/{report_id}/messages", json={"body": "Tolong bantu"},
                              headers=case)).status_code == 201
    referral_id = await referral_id_for("disdik", report_id)
    accepted = await intake.post(f"/v1/referrals/{referral_id}/accept", headers={
        **partner_headers("disdik"), "X-Access-Reason": "menangani kasus anak"})
    assert accepted.status_code == 200, accepted.text
    return report_id, token, referral_id


async def _rows(database, report_id, referral_id):
    """What an attacker (or a backup) holds of the case: its sealed rows and its wrapped data key."""
    async with database.connect() as conn:
        def one(sql):
            return conn.execute(text(sql), {"id": report_id, "ref": referral_id})
        return {
            "report": (await one("SELECT key_id, sealed FROM report_intake.reports "
                                 "WHERE id = :id")).one(),
            "referral": (await one("SELECT key_id, sealed FROM report_intake.referrals "
                                   "WHERE id = :ref")).one(),
            "messages": (await one("SELECT id, key_id, sealed FROM report_intake.messages "
                                   "WHERE report_id = :id")).all(),
            "key": (await one("SELECT key_id, wrapped FROM report_intake.case_keys "
                              "WHERE report_id = :id")).all(),
        }


async def test_a_reporter_erases_the_case_with_the_token_and_agencies_are_told(
        intake, submit, report_body, partner_headers, referral_id_for, operator_headers, topic_events,
        database):
    report_id, token, referral_id = await _case_with_a_thread(
        intake, submit, report_body, partner_headers, referral_id_for)
    unconfirmed = await _erase(intake, report_id, token, body={"confirm": False})
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.text
    assert (await _erase(intake, report_id, token, body={})).status_code == 422
    _, other_token = await submit(report_body())
    assert (await _erase(intake, report_id, other_token)).status_code == 404
    assert (await intake.get(f"/v1/reports/{report_id}", headers={"X-Case-Token": token})).status_code == 200

    assert (await _erase(intake, report_id, token)).status_code == 204

    for path in ("", "/messages"):
        gone = await intake.get(f"/v1/reports/{report_id}{path}", headers={"X-Case-Token": token})
        assert gone.status_code == 404
    assert (await _erase(intake, report_id, token)).status_code == 404
    agency = partner_headers("disdik")
    assert (await intake.get(f"/v1/referrals/{referral_id}", headers=agency)).status_code == 404
    assert (await intake.get(f"/v1/referrals/{referral_id}/messages", headers=agency)).status_code == 404
    assert (await intake.post(f"/v1/referrals/{referral_id}/progress", headers=agency)).status_code == 409
    withdrawn = await eventually(lambda: _of_type(topic_events(topics.REFERRALS, referral_id),
                                                  "kentongan.referral.withdrawn"))
    assert (withdrawn[0].data.status, withdrawn[0].data.reason) == ("withdrawn", "erasure_requested")
    # Staff see the statistical row only, supervisors too.
    seen = await intake.get(f"/v1/staff/reports/{report_id}", headers=operator_headers("supervisor"))
    assert seen.status_code == 200 and seen.json()["status"] == "erased" and "narrative" not in seen.json()
    # The audit log keeps that it happened and who read the case, not why in their words.
    supervisor = operator_headers("supervisor")
    for resource in (report_id, referral_id):
        audit = (await intake.get("/v1/audit", params={"resource_id": resource},
                                  headers=supervisor)).json()["items"]
        assert audit and all(entry["reason"] is None for entry in audit)
    report_audit = (await intake.get("/v1/audit", params={"resource_id": report_id},
                                     headers=supervisor)).json()["items"]
    assert ("report.erased", "reporter") in {(entry["action"], entry["actor"]) for entry in report_audit}
    rows = await _rows(database, report_id, referral_id)
    assert rows["report"] == (None, None) and rows["referral"] == (None, None)
    assert rows["messages"] == [] and rows["key"] == []


async def test_an_erased_cases_ciphertext_no_longer_opens_with_any_key(
        intake, submit, report_body, partner_headers, referral_id_for, database):
    report_id, token, referral_id = await _case_with_a_thread(
        intake, submit, report_body, partner_headers, referral_id_for)
    backup = await _rows(database, report_id, referral_id)  # a copy of the ciphertext, as a backup holds it
    keyring = Keyring.from_settings(Settings())
    [wrapped] = backup["key"]
    data_key = unwrap(keyring, WrappedKey(*wrapped), owner(UUID(report_id)))
    assert {backup["report"][0], backup["referral"][0]} == {DATA_KEY_ID}
    opened_today = DataKeyring(data_key, keyring).open(Sealed(*backup["report"]), UUID(report_id).bytes)
    assert b"narrative" in opened_today

    assert (await _erase(intake, report_id, token)).status_code == 204

    assert (await _rows(database, report_id, referral_id))["key"] == []  # the data key is gone
    ciphertexts = [backup["report"][1], backup["referral"][1], *(m.sealed for m in backup["messages"])]
    keys = parse_keys(Settings().encryption_keys.get_secret_value())
    for blob in ciphertexts:
        for key in keys.values():  # every key the service holds
            with pytest.raises(InvalidTag):
                AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], UUID(report_id).bytes)


async def _of_type(events_awaitable, ce_type):
    return [e for e in await events_awaitable if e.type == ce_type]
