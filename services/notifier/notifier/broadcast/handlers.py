"""Incident opened or escalated -> a message to every representative of that area and its neighbours.

The message gives the category, an approximate place (kelurahan and kecamatan, never the coordinate) and
the time; never anything about the victim. Sexual-violence and child-abuse incidents, and silent alarms,
are never broadcast with details: the representatives are only asked to stand by.
"""

from datetime import datetime, timedelta, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.events import Envelope
from kentongan.events.incidents import SENSITIVE_CATEGORIES, IncidentChanged, IncidentEscalated
from kentongan.geo import kecamatan_of
from notifier import templates
from notifier.deliveries import service as deliveries
from notifier.models import Representative
from notifier.representatives import service as representatives
from notifier.settings import Settings

WIB = timezone(timedelta(hours=7), "WIB")


def _kind(envelope: Envelope, incident: IncidentChanged) -> str:
    if incident.category in SENSITIVE_CATEGORIES or incident.silent:
        return "broadcast.standby"
    return "broadcast.escalated" if isinstance(incident, IncidentEscalated) else "broadcast.opened"


def _place(home: Representative | None, incident: IncidentChanged) -> str:
    return representatives.place_name(home, incident.area or kecamatan_of(incident.lat, incident.lon))


def _time(at: datetime) -> str:
    return at.astimezone(WIB).strftime("%H:%M WIB")


def message_in(language: str, kind: str, incident: IncidentChanged, place: str) -> dict:
    """The rendered message in a language and the little a recipient's app may show with it."""
    if kind == "broadcast.standby":
        text, params = templates.render(kind, language), []
    else:
        fields = {"place": place, "time": _time(incident.opened_at)}
        text = templates.render(kind, language, fields, category=incident.category)
        params = [templates.category_label(incident.category, language), place, fields["time"]]
    # WhatsApp sends approved templates, not free text: the kind's template with these parameters.
    template = {"kind": kind, "language": language, "params": params}
    return {**text, "template": template, "data": {"kind": kind, "incident_id": str(incident.incident_id)}}


def occasion(incident: IncidentChanged, once_per_incident: bool = False) -> str:
    """What a broadcast is for: an incident and its area, opened or escalated to a level. Each occasion is
    broadcast once, however many events carry it (a crowd's merged alarms broadcast nothing more). With
    `once_per_incident` the incident itself is the occasion: nothing after the first broadcast adds one."""
    if once_per_incident:
        return f"broadcast:{incident.incident_id}:once"
    step = f"escalated-{incident.escalation_level}" if isinstance(incident, IncidentEscalated) else "opened"
    return f"broadcast:{incident.incident_id}:{incident.area}:{step}"


async def on_incident_alerts(session: AsyncSession, envelopes: list[Envelope], settings: Settings,
                             once_per_incident: bool = False) -> None:
    """For each incident event, queue one message per representative, on the first channel their contacts
    list, once per occasion (see `occasion`); if it is not delivered within `fallback_after_s`, the next one
    follows (`deliveries.fallback`). A consumer's batch of events at once: their audiences in two queries and
    all their messages in one insert, whatever the number of incidents."""
    if not envelopes:
        return
    incidents: list[IncidentChanged] = [envelope.data for envelope in envelopes]  # type: ignore[misc]
    found = await representatives.audiences(session, [(i.lat, i.lon) for i in incidents], settings)
    await deliveries.enqueue_many(session, [
        (envelope, _messages(envelope, incident, audience, settings, once_per_incident))
        for envelope, incident, audience in zip(envelopes, incidents, found, strict=True)])


def _messages(envelope: Envelope, incident: IncidentChanged, audience: representatives.Audience, settings: Settings,
              once_per_incident: bool) -> list[deliveries.NewDelivery]:
    kind, place = _kind(envelope, incident), _place(audience.home, incident)
    # The message depends on the recipient's language only: rendered once per language, not per recipient.
    by_language = {language: message_in(language, kind, incident, place)
                   for language in {rep.language for rep, _ in audience.alerted}}
    occasion_key = occasion(incident, once_per_incident)
    return [
        deliveries.NewDelivery(
            purpose="broadcast", recipient=f"rep:{rep.id}", channel=rep.contacts[0]["channel"],
            target=rep.contacts[0]["address"], payload=by_language[rep.language],
            incident_id=incident.incident_id,
            dedup_key=f"{occasion_key}|rep:{rep.id}|{rep.contacts[0]['channel']}",
            fallback_after_s=settings.fallback_after_s if len(rep.contacts) > 1 else None)
        for rep, _ in audience.alerted if rep.contacts]
