"""How alarms become incidents: open, merge close ones, follow, cancel, escalate."""

import asyncio
import math
import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import func, select

from dispatch.consumers import event_handlers, redelivery_handlers
from dispatch.incidents import actions
from dispatch.incidents.merging import merge_cells
from dispatch.incidents.sealing import opened_note, outcome_of
from dispatch.models import Incident, IncidentAlarm, IncidentNote, IncidentReport, outbox
from kentongan.bus_crypto import BusKeyring
from kentongan.db import unit_of_work
from kentongan.dev.testing import eventually
from kentongan.events import Envelope, encode, topics
from kentongan.events.alarms import AlarmCancelled, AlarmLocationUpdated, AlarmRaised
from kentongan.events.incidents import (
    IncidentAlarmMerged,
    IncidentEscalated,
    IncidentOpened,
    IncidentPlacementConfirmed,
)
from kentongan.events.reports import ReportUrgent
from kentongan.geo import METRES_PER_DEGREE_LAT, haversine_m
from kentongan.kafka import create_producer


async def _incident_for(app, alarm_id) -> Incident:
    async with unit_of_work(app.state.sessionmaker) as session:
        return await session.scalar(select(Incident).where(Incident.alarm_ids.any(alarm_id)))


async def _notes_of(app, incident_id) -> list[str]:
    """The incident's notes as operators read them: opened with dispatch's keyring."""
    async with unit_of_work(app.state.sessionmaker) as session:
        notes = await session.scalars(select(IncidentNote).where(IncidentNote.incident_id == incident_id)
                                      .order_by(IncidentNote.id))
        return [opened_note(app.state.keyring, note).text for note in notes]


def _cancelled(app, alarm_id, reason: str) -> AlarmCancelled:
    """A cancel as alarm-gateway sends it: the reason sealed with the bus keyring."""
    sealed = BusKeyring.from_settings(app.state.settings).seal(AlarmCancelled, alarm_id, "reason", reason)
    return AlarmCancelled(alarm_id=alarm_id, reason=sealed, cancelled_at=datetime.now(UTC))


async def _handle(app, event):
    async with unit_of_work(app.state.sessionmaker) as session:
        await event_handlers(app.state.settings)[event.ce_type](session, Envelope.wrap(event, "/test"))


async def test_alarms_close_in_space_and_time_merge_into_one_incident(dispatch_app, raise_alarm, unique_place):
    app = dispatch_app.app
    lat, lon = unique_place()
    first = await raise_alarm(lat, lon, category="crime")
    second = await raise_alarm(lat + 0.001, lon, category="violence")  # ~110 m away
    far = await raise_alarm(lat + 0.01, lon)  # ~1.1 km away
    merged = await _incident_for(app, first.alarm_id)
    assert {first.alarm_id, second.alarm_id} <= set(merged.alarm_ids)
    assert merged.category == "violence"  # the more urgent names it
    assert far.alarm_id not in merged.alarm_ids


async def test_alarms_arriving_together_merge_as_if_they_came_one_by_one(dispatch_app, unique_place):
    app = dispatch_app.app
    lat, lon = unique_place()
    first, near, far = (AlarmRaised(alarm_id=uuid4(), device_id=uuid4(), category=category, lat=at_lat, lon=lon,
                                    accuracy_m=10, silent=False, raised_at=datetime.now(UTC))
                        for category, at_lat in (("crime", lat), ("violence", lat + 0.001), ("crime", lat + 0.01)))
    envelopes = [Envelope.wrap(alarm, "/test") for alarm in (first, near, far, first)]  # `first` replayed
    async with unit_of_work(app.state.sessionmaker) as session:
        await event_handlers(app.state.settings)[AlarmRaised.ce_type].handle_many(session, envelopes)
    merged = await _incident_for(app, first.alarm_id)
    assert merged.alarm_ids == [first.alarm_id, near.alarm_id]  # the replay did not attach it twice
    assert (merged.category, merged.version) == ("violence", 2)  # opened, then one merge
    assert (await _incident_for(app, far.alarm_id)).alarm_ids == [far.alarm_id]
    async with unit_of_work(app.state.sessionmaker) as session:
        announced = (await session.execute(select(outbox.c.event_type).where(outbox.c.key == str(merged.id))
                                           .order_by(outbox.c.seq))).scalars().all()
    assert announced == [IncidentOpened.ce_type, IncidentAlarmMerged.ce_type]


async def test_alarms_far_apart_in_time_open_separate_incidents(dispatch_app, raise_alarm, unique_place):
    lat, lon = unique_place()
    old = await raise_alarm(lat, lon, at=datetime.now(UTC) - timedelta(hours=2))
    new = await raise_alarm(lat, lon)
    assert (await _incident_for(dispatch_app.app, old.alarm_id)).id != (
        await _incident_for(dispatch_app.app, new.alarm_id)).id


async def test_silent_alarm_is_more_urgent(dispatch_app, raise_alarm, unique_place):
    loud = await _incident_for(dispatch_app.app, (await raise_alarm(*unique_place(), category="crime")).alarm_id)
    silent = await _incident_for(dispatch_app.app,
                                 (await raise_alarm(*unique_place(), category="crime", silent=True)).alarm_id)
    assert silent.priority == loud.priority + 1


async def test_live_location_moves_the_incident_and_extends_the_trail(dispatch_app, raise_alarm, unique_place,
                                                                      operator_headers):
    lat, lon = unique_place()
    alarm = await raise_alarm(lat, lon)
    await _handle(dispatch_app.app, AlarmLocationUpdated(alarm_id=alarm.alarm_id, lat=lat + 0.002, lon=lon,
                                                         accuracy_m=5, recorded_at=datetime.now(UTC)))
    incident = await _incident_for(dispatch_app.app, alarm.alarm_id)
    detail = (await dispatch_app.get(f"/v1/incidents/{incident.id}", headers=operator_headers())).json()
    assert detail["lat"] == lat + 0.002
    assert [p["lat"] for p in detail["trail"]] == [lat, lat + 0.002]


async def test_a_location_right_behind_its_alarm_lands_on_the_new_incident(dispatch_app, unique_place,
                                                                         operator_headers):
    """Both events usually arrive in one poll of the consumer, and so are handled in one transaction."""
    app = dispatch_app.app
    lat, lon = unique_place()
    alarm = AlarmRaised(alarm_id=uuid4(), device_id=uuid4(), category="crime", lat=lat, lon=lon, accuracy_m=10,
                        silent=False, raised_at=datetime.now(UTC))
    moved = AlarmLocationUpdated(alarm_id=alarm.alarm_id, lat=lat + 0.002, lon=lon, accuracy_m=5,
                                 recorded_at=datetime.now(UTC))
    producer = create_producer(app.state.settings, "test-dispatch")
    await producer.start()
    try:
        for event in (alarm, moved):
            message = encode(Envelope.wrap(event, "/test"))
            await producer.send(topics.ALARMS, message.value, key=message.key.encode(),
                                headers=list(message.headers.items()))
        await producer.flush()
    finally:
        await producer.stop()

    async def trail():
        incident = await _incident_for(app, alarm.alarm_id)
        if incident is not None:
            detail = await dispatch_app.get(f"/v1/incidents/{incident.id}", headers=operator_headers())
            return [point["lat"] for point in detail.json()["trail"]] == [lat, lat + 0.002]

    await eventually(trail, timeout_s=30)


async def test_cancelling_the_only_alarm_cancels_an_unhandled_incident(dispatch_app, raise_alarm, unique_place):
    alarm = await raise_alarm(*unique_place())
    reason = f"salah pencet {uuid4().hex[:8]}"
    await _handle(dispatch_app.app, _cancelled(dispatch_app.app, alarm.alarm_id, reason))
    incident = await _incident_for(dispatch_app.app, alarm.alarm_id)
    assert incident.status == "cancelled"
    # The caller's reason is in the outcome and on the alarm, both sealed at rest.
    assert outcome_of(dispatch_app.app.state.keyring, incident) == f"cancelled by caller: {reason}"
    async with unit_of_work(dispatch_app.app.state.sessionmaker) as session:
        stored = await session.get(IncidentAlarm, alarm.alarm_id)
    assert stored.cancel_reason_sealed is not None and reason.encode() not in stored.cancel_reason_sealed


async def test_why_a_private_category_alarm_was_cancelled_is_never_written_down(dispatch_app, raise_alarm,
                                                                                  unique_place):
    """Even if the reason reaches dispatch (an older gateway), a sexual-violence, violence or child-abuse
    alarm's cancel reason stays out of the incident's outcome, its notes and the alarm row."""
    app = dispatch_app.app
    for category in ("sexual_violence", "violence", "child_abuse"):
        lat, lon = unique_place()
        handled = await raise_alarm(lat, lon, category=category)
        second = await raise_alarm(lat + 0.0005, lon, category=category)  # merged: the incident stays open
        secret = f"suami saya mengambil hp {uuid4().hex[:8]}"
        for alarm in (handled, second):
            await _handle(app, _cancelled(app, alarm.alarm_id, secret))
        incident = await _incident_for(app, handled.alarm_id)
        notes = await _notes_of(app, incident.id)
        outcome = outcome_of(app.state.keyring, incident) or ""
        async with unit_of_work(app.state.sessionmaker) as session:
            reasons = list(await session.scalars(select(IncidentAlarm.cancel_reason_sealed)
                                                 .where(IncidentAlarm.incident_id == incident.id)))
        assert incident.status == "cancelled" and "reason not recorded" in outcome, category
        assert secret not in " ".join([outcome, *notes]) and reasons == [None, None], category


async def test_urgent_report_opens_an_incident_once(dispatch_app):
    report = ReportUrgent(report_id=uuid4(), category="domestic_violence", area="Genuk",
                          reported_at=datetime.now(UTC))
    await _handle(dispatch_app.app, report)
    await _handle(dispatch_app.app, report)
    async with unit_of_work(dispatch_app.app.state.sessionmaker) as session:
        found = list(await session.scalars(select(Incident).where(Incident.report_id == report.report_id)))
    assert len(found) == 1 and found[0].source == "report" and found[0].area == "Genuk"


async def _announced(app, incident_id) -> list[tuple[str, bytes]]:
    async with unit_of_work(app.state.sessionmaker) as session:
        rows = await session.execute(select(outbox.c.event_type, outbox.c.value)
                                     .where(outbox.c.key == str(incident_id)).order_by(outbox.c.seq))
        return [(row.event_type, row.value) for row in rows]


async def test_an_alarm_or_report_sent_again_after_placing_is_announced_again_unchanged(dispatch_app, raise_alarm,
                                                                                        unique_place):
    """The gateway (report-intake) publishes again what it has not heard placed; dispatch tells it again."""
    app = dispatch_app.app
    again = redelivery_handlers()
    alarm = await raise_alarm(*unique_place())
    report = ReportUrgent(report_id=uuid4(), category="domestic_violence", area="Genuk",
                          reported_at=datetime.now(UTC))
    await _handle(app, report)
    async with unit_of_work(app.state.sessionmaker) as session:
        await again[AlarmRaised.ce_type](session, Envelope.wrap(alarm, "/test"))
        await again[ReportUrgent.ce_type](session, Envelope.wrap(report, "/test"))
        for_report = await session.scalar(select(Incident).where(Incident.report_id == report.report_id))
    for_alarm = await _incident_for(app, alarm.alarm_id)
    for incident, field, subject in ((for_alarm, "alarm_id", alarm.alarm_id),
                                     (for_report, "report_id", report.report_id)):
        [(_, opened), (confirmed_type, confirmed)] = await _announced(app, incident.id)
        assert confirmed_type == IncidentPlacementConfirmed.ce_type
        event = IncidentPlacementConfirmed.model_validate_json(confirmed)
        assert getattr(event, field) == subject
        assert field == "alarm_id" or event.placed_report_id == subject
        assert event.version == IncidentOpened.model_validate_json(opened).version == incident.version == 1


async def test_a_burst_of_unauthenticated_urgent_reports_from_one_source_is_one_incident(dispatch_app):
    app = dispatch_app.app
    source, other = uuid4().hex, uuid4().hex
    burst = [ReportUrgent(report_id=uuid4(), category=category, area="Genuk", reported_at=datetime.now(UTC),
                          source_fingerprint=source)
             for category in ("other", "domestic_violence", "other")]
    apart = ReportUrgent(report_id=uuid4(), category="other", area="Genuk", reported_at=datetime.now(UTC),
                         source_fingerprint=other)
    for report in [*burst, apart, burst[1]]:  # the last one redelivered
        await _handle(app, report)

    async with unit_of_work(app.state.sessionmaker) as session:
        mine = list(await session.scalars(select(Incident).where(Incident.source_fingerprint == source)))
        [theirs] = await session.scalars(select(Incident).where(Incident.source_fingerprint == other))
        [incident] = mine
        reports = set(await session.scalars(select(IncidentReport.report_id)
                                            .where(IncidentReport.incident_id == incident.id)))
    notes = await _notes_of(app, incident.id)
    assert reports == {report.report_id for report in burst}
    assert incident.unauthenticated and theirs.unauthenticated and theirs.id != incident.id
    assert incident.category == "domestic_violence"  # the most urgent of the burst names it
    assert [note for note in notes if "unauthenticated urgent reports" in note] == [
        "2 laporan darurat tanpa autentikasi dari satu sumber digabung di sini; mohon dipilah supervisor / 2 "
        "unauthenticated urgent reports from one source merged here: a supervisor should triage them"]


async def test_an_authenticated_urgent_report_is_never_merged_or_held(dispatch_app):
    source = uuid4().hex
    reports = [ReportUrgent(report_id=uuid4(), category="other", area="Genuk", reported_at=datetime.now(UTC),
                            source_fingerprint=source, authenticated=True) for _ in range(2)]
    for report in reports:
        await _handle(dispatch_app.app, report)
    async with unit_of_work(dispatch_app.app.state.sessionmaker) as session:
        found = list(await session.scalars(select(Incident).where(
            Incident.report_id.in_([report.report_id for report in reports]))))
    assert len(found) == 2 and not any(incident.unauthenticated for incident in found)


async def test_an_unacknowledged_incident_climbs_the_escalation_ladder_once_then_stays(dispatch_app, raise_alarm,
                                                                                        unique_place):
    app = dispatch_app.app
    alarm = await raise_alarm(*unique_place(), at=datetime.now(UTC) - timedelta(minutes=30))
    before = await _incident_for(app, alarm.alarm_id)
    rounds = 0
    while True:  # every period elapsed at once: escalation must come to an end by itself
        async with unit_of_work(app.state.sessionmaker) as session:
            escalated = await actions.escalate_overdue(session, escalate_after_s=0)
        rounds += 1
        if not escalated:
            break
        assert rounds < 20, "escalation does not stop"
    after = await _incident_for(app, alarm.alarm_id)
    assert (before.escalation_level, after.escalation_level) == (0, 2)  # operator -> supervisor -> duty officer
    assert after.priority == min(5, before.priority + 2)
    async with unit_of_work(app.state.sessionmaker) as session:
        announced = await session.scalar(select(func.count()).where(
            outbox.c.key == str(after.id), outbox.c.event_type == IncidentEscalated.ce_type))
    assert announced == 2  # each step once


async def test_the_queue_shows_who_an_incident_is_escalated_to(dispatch_app, raise_alarm, unique_place,
                                                              operator_headers):
    alarm = await raise_alarm(*unique_place(), at=datetime.now(UTC) - timedelta(minutes=30))
    async with unit_of_work(dispatch_app.app.state.sessionmaker) as session:
        await actions.escalate_overdue(session, escalate_after_s=0)
    incident = await _incident_for(dispatch_app.app, alarm.alarm_id)
    shown = (await dispatch_app.get(f"/v1/incidents/{incident.id}", headers=operator_headers())).json()
    assert shown["escalation_level"] >= 1
    assert shown["escalated_to"] == ["operator", "supervisor", "duty_officer"][shown["escalation_level"]]
    # How long it has waited stays readable: it opened when its alarm was raised, not when it was escalated.
    assert datetime.fromisoformat(shown["opened_at"]) <= datetime.now(UTC) - timedelta(minutes=29)


async def test_replicas_decide_nearby_alarms_one_after_the_other_and_far_ones_at_once(dispatch_app, unique_place):
    """Two dispatch replicas handling alarms at the same moment: an alarm 110 m from one still being decided
    waits for it and joins its incident (never a second incident); an alarm 1.7 km away is not held up."""
    app = dispatch_app.app
    handle = event_handlers(app.state.settings)[AlarmRaised.ce_type]
    lat, lon = unique_place()

    def alarm(at_lat: float) -> AlarmRaised:
        return AlarmRaised(alarm_id=uuid4(), device_id=uuid4(), category="crime", lat=at_lat, lon=lon,
                           accuracy_m=10, silent=False, raised_at=datetime.now(UTC))

    async def decide(event: AlarmRaised) -> None:
        async with unit_of_work(app.state.sessionmaker) as session:
            await handle(session, Envelope.wrap(event, "/test"))

    first, near, far = alarm(lat), alarm(lat + 0.001), alarm(lat + 0.015)
    async with unit_of_work(app.state.sessionmaker) as session:  # the first replica, mid-transaction
        await handle(session, Envelope.wrap(first, "/test"))
        waiting = asyncio.create_task(decide(near))
        await asyncio.wait_for(decide(far), 5)  # elsewhere in the city: decided while the first is open
        await asyncio.sleep(0.5)
        assert not waiting.done()  # the nearby alarm waits for the first decision
    await asyncio.wait_for(waiting, 5)
    opened = await _incident_for(app, first.alarm_id)
    assert set(opened.alarm_ids) == {first.alarm_id, near.alarm_id}
    assert far.alarm_id not in opened.alarm_ids


def test_any_two_places_within_the_merge_radius_share_a_locked_cell():
    rng = random.Random(7)
    for _ in range(2000):
        lat, lon = rng.uniform(-7.15, -6.90), rng.uniform(110.25, 110.55)
        bearing, distance = rng.uniform(0, 2 * math.pi), rng.uniform(0, 300.0)
        other = (lat + distance * math.cos(bearing) / METRES_PER_DEGREE_LAT,
                 lon + distance * math.sin(bearing) / (METRES_PER_DEGREE_LAT * math.cos(math.radians(lat))))
        if haversine_m(lat, lon, *other) <= 300.0:
            assert set(merge_cells([(lat, lon)], 300.0)) & set(merge_cells([other], 300.0))
