"""Operators see who was alerted about an incident and whether each message arrived, without addresses."""

from uuid import uuid4

from kentongan.dev.testing import eventually
from kentongan.events.incidents import IncidentEscalated, IncidentOpened


async def test_operators_see_each_representative_alerted_and_how_it_went(
        notifier, publish, place_representative, incident_event, outbox_of, area, operator_headers):
    lat, lon = area
    home = await place_representative(lat, lon, name="Bu Sri", rw="05", rt="03", kelurahan="Pleburan")
    opened = incident_event(IncidentOpened, lat, lon, category="fire")
    await outbox_of((await publish(opened)).id, 1)
    escalated = await publish(incident_event(IncidentEscalated, lat, lon, category="fire", escalation_level=1,
                                             incident_id=opened.incident_id))
    await outbox_of(escalated.id, 1)

    async def both_delivered():
        response = await notifier.get(f"/v1/incidents/{opened.incident_id}/notifications",
                                      headers=operator_headers())
        rows = response.json()["items"]
        return rows if len(rows) == 2 and all(row["status"] == "delivered" for row in rows) else None

    rows = await eventually(both_delivered, timeout_s=20)
    assert [row["event_type"] for row in rows] == ["kentongan.incident.opened", "kentongan.incident.escalated"]
    for row in rows:
        assert row["purpose"] == "broadcast" and row["channel"] == "sms" and row["attempts"] == 1
        assert row["recipient"] == f"rep:{home['id']}"
        assert row["recipient_name"] == "Bu Sri (RT 03/RW 05, Kel. Pleburan, Kec. Semarang Tengah)"
        assert home["contacts"][0]["address"] not in str(row)  # no phone numbers in the operators' view

    other = await notifier.get(f"/v1/incidents/{uuid4()}/notifications", headers=operator_headers())
    assert other.status_code == 200 and other.json() == {"items": [], "next": None}

    # A page at a time: the cursor of the first page leads to the second, and the second is the last.
    url = f"/v1/incidents/{opened.incident_id}/notifications"
    first = (await notifier.get(url, params={"limit": 1}, headers=operator_headers())).json()
    assert [row["id"] for row in first["items"]] == [rows[0]["id"]] and first["next"]
    second = (await notifier.get(url, params={"limit": 1, "after": first["next"]}, headers=operator_headers())).json()
    assert [row["id"] for row in second["items"]] == [rows[1]["id"]] and second["next"] is None
    bad = await notifier.get(url, params={"after": "not-a-cursor"}, headers=operator_headers())
    assert bad.status_code == 400 and "after" in bad.json()["detail"]


async def test_the_view_is_for_command_center_staff_only(notifier, partner_headers):
    incident = uuid4()
    assert (await notifier.get(f"/v1/incidents/{incident}/notifications")).status_code == 401
    assert (await notifier.get(f"/v1/incidents/{incident}/notifications",
                               headers=partner_headers("dp3a"))).status_code == 403
