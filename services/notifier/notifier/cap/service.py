"""Publish a CAP alert for each RT broadcast (opened: Alert; escalated: Update), and close it when the incident
ends (resolved: Update with AllClear; cancelled: Cancel), each later one referencing the ones before."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from kentongan.events import Envelope
from kentongan.events.incidents import IncidentCancelled, IncidentChanged, IncidentEscalated, IncidentResolved
from kentongan.geo import kecamatan_of
from notifier.broadcast.handlers import occasion
from notifier.cap import document, repository
from notifier.cap.document import AlertFacts, FeedEntry
from notifier.settings import Settings

SENDER = "kentongan@semarangkota.go.id"


def _identifier(alert_id: UUID) -> str:
    return f"urn:uuid:{alert_id}"


def _references(earlier: Sequence["Earlier"]) -> str | None:
    if not earlier:
        return None
    return " ".join(f"{SENDER},{_identifier(a.id)},{document.cap_time(a.sent)}" for a in earlier)


def _msg_type(incident: IncidentChanged) -> tuple[str, bool]:
    if isinstance(incident, IncidentCancelled):
        return "Cancel", False
    if isinstance(incident, IncidentResolved):
        return "Update", True
    return ("Update" if isinstance(incident, IncidentEscalated) else "Alert"), False


class Earlier(NamedTuple):
    """An alert already published for an incident: what a later one references."""

    id: UUID
    sent: datetime
    occasion: str


async def publish_many(session: AsyncSession, envelopes: list[Envelope], settings: Settings,
                       area_desc: str | None = None, closing: bool = False) -> None:
    """The CAP alert of each incident event; a closing event (resolved, cancelled) only if one was published.
    A consumer's batch of events in order (a later event of one incident references the alerts of the earlier
    ones): one query for what was published before, one insert."""
    if not envelopes:
        return
    ids = {envelope.data.incident_id for envelope in envelopes}  # type: ignore[attr-defined]
    earlier: dict[UUID, list[Earlier]] = {i: [] for i in ids}
    for found in await repository.of_incidents(session, ids):
        earlier[found.incident_id].append(Earlier(found.id, found.sent, found.occasion))
    alerts = []
    for envelope in envelopes:
        incident: IncidentChanged = envelope.data  # type: ignore[assignment]
        alert = _alert(envelope, incident, settings, earlier[incident.incident_id], area_desc, closing)
        if alert is not None:
            alerts.append(alert)
            earlier[incident.incident_id].append(Earlier(alert["id"], alert["sent"], alert["occasion"]))
    await repository.add_many(session, alerts)


def _alert(envelope: Envelope, incident: IncidentChanged, settings: Settings, earlier: Sequence[Earlier],
           area_desc: str | None, closing: bool) -> dict[str, Any] | None:
    """The row of the alert this event publishes, or None: a closing event without an earlier alert, or an
    occasion already published."""
    if closing and not earlier:
        return None
    # Once per broadcast occasion (a crowd's repeated or merged events announce nothing new), once per end.
    key = f"closed:{incident.incident_id}:{envelope.type}" if closing else occasion(incident)
    if any(alert.occasion == key for alert in earlier):
        return None
    msg_type, all_clear = _msg_type(incident)
    if not earlier:
        msg_type = "Alert"
    category = document.public_category(incident.category, incident.silent)
    vague = category == "other"
    lat, lon, radius_km = document.coarse_circle(incident.lat, incident.lon, settings.broadcast_radius_m, vague)
    place = f"Kec. {incident.area or kecamatan_of(incident.lat, incident.lon)}, Kota Semarang"
    alert_id, sent = uuid7(), datetime.now(UTC)
    facts = AlertFacts(identifier=_identifier(alert_id), sender=SENDER, sent=sent, msg_type=msg_type,
                       references=_references(earlier), category=category,
                       severity="Severe" if isinstance(incident, IncidentEscalated) else "Moderate",
                       area_desc=place if vague else (area_desc or place), lat=lat, lon=lon, radius_km=radius_km,
                       all_clear=all_clear)
    return {"id": alert_id, "incident_id": incident.incident_id, "event_id": envelope.id, "occasion": key,
            "msg_type": msg_type, "references": facts.references[:2000] if facts.references else None,
            "headline": document.headline(facts)[:300], "document": document.alert_xml(facts), "sent": sent}


async def feed(session: AsyncSession, base_url: str, limit: int = 50) -> str:
    alerts = await repository.newest(session, limit)
    entries = [FeedEntry(str(a.id), _identifier(a.id), a.headline, a.sent, a.msg_type) for a in alerts]
    return document.atom_feed(entries, base_url, alerts[0].sent if alerts else datetime.now(UTC))
