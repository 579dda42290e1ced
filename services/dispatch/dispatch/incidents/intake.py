"""Events that open, grow and follow incidents: alarms from alarm-gateway, urgent reports from
report-intake, snapshots from cctv-ingest. Each runs inside the consumer's transaction."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch import metrics
from dispatch.incidents import repository
from dispatch.incidents.changes import Change, change, confirm_placements, record_change, record_changes
from dispatch.incidents.merging import Nearby, merge_cells
from dispatch.incidents.priority import more_urgent, priority_of
from dispatch.incidents.sealing import new_note, set_outcome
from dispatch.models import (
    Incident,
    IncidentAlarm,
    IncidentLocation,
    IncidentReport,
    IncidentSnapshot,
)
from dispatch.settings import Settings
from kentongan.bus_crypto import BusKeyring
from kentongan.crypto import Keyring, seal_text
from kentongan.events import Envelope
from kentongan.events import incidents as events
from kentongan.events.alarms import (
    PRIVATE_CATEGORIES,
    AlarmCancelled,
    AlarmLocationUpdated,
    AlarmRaised,
    cancel_reason_aad,
    note_aad,
)
from kentongan.events.cctv import SnapshotCaptured
from kentongan.events.incidents import ALARM_IDS_SHOWN
from kentongan.events.reports import ReportUrgent
from kentongan.geo import KECAMATAN, kecamatan_of

# Where an urgent report without any place is pinned: the city hall (Balai Kota Semarang).
CITY_CENTRE = (-6.9837, 110.4098)


@dataclass(frozen=True)
class NoteSealer:
    """An alarm's note arrives sealed for the bus and is kept sealed with dispatch's own keyring."""

    keyring: Keyring
    bus: BusKeyring

    def reseal(self, envelope: Envelope) -> tuple[str | None, bytes | None]:
        alarm: AlarmRaised = envelope.data  # type: ignore[assignment]
        return seal_text(self.keyring, self.bus.open(envelope, "note"), note_aad(alarm.alarm_id))

    def reason(self, envelope: Envelope) -> str | None:
        """Why an alarm was called off, opened from its event."""
        cancel: AlarmCancelled = envelope.data  # type: ignore[assignment]
        return None if cancel.reason is None else self.bus.open(envelope, "reason")


async def on_alarms_raised(session: AsyncSession, envelopes: list[Envelope], settings: Settings,
                           notes: NoteSealer) -> None:
    """Each new alarm joins the nearest active incident close in space and time, or opens one.

    A batch of alarms costs a few statements whatever its size: the merge decisions are made in memory over
    the incidents near any of them, in the alarms' order, as if they came one at a time."""
    raised: list[AlarmRaised] = [envelope.data for envelope in envelopes]  # type: ignore[misc]
    alarms = await _unattached(session, raised)
    await reannounce_alarms(session, {alarm.alarm_id for alarm in raised} - {alarm.alarm_id for alarm in alarms})
    if not alarms:
        return
    by_alarm = {envelope.data.alarm_id: envelope for envelope in envelopes}  # type: ignore[attr-defined]
    sealed_notes = {alarm.alarm_id: notes.reseal(by_alarm[alarm.alarm_id]) for alarm in alarms}
    places = [(a.lat, a.lon) for a in alarms]
    # Nearby alarms are decided one transaction after the other across replicas, so two of them cannot open
    # two incidents; alarms far apart are decided at the same time.
    await repository.lock_merge_cells(session, merge_cells(places, settings.merge_radius_m))
    since = min(alarm.raised_at for alarm in alarms) - timedelta(seconds=settings.merge_window_s)
    nearby = Nearby(await repository.active_near(session, places, settings.merge_radius_m, since))
    changes = [_join_or_open(alarm, nearby, settings) for alarm in alarms]
    await repository.insert_incidents(session, nearby.opened)  # first: the alarms and locations refer to them
    await repository.save_merges(session, nearby.merged())
    placed = [(alarm, change.event.incident_id) for alarm, change in zip(alarms, changes, strict=True)]
    await repository.insert_all(session, IncidentAlarm, [_alarm_row(alarm, to, sealed_notes[alarm.alarm_id])
                                                         for alarm, to in placed])
    await repository.insert_all(session, IncidentLocation, [_location_row(alarm, to) for alarm, to in placed])
    await record_changes(session, changes)


async def _unattached(session: AsyncSession, alarms: list[AlarmRaised]) -> list[AlarmRaised]:
    """The alarms not yet attached to an incident (e.g. replayed from another source), each once."""
    attached = await repository.attached_alarms(session, [alarm.alarm_id for alarm in alarms])
    fresh = []
    for alarm in alarms:
        if alarm.alarm_id not in attached:
            fresh.append(alarm)
            attached.add(alarm.alarm_id)
    return fresh


async def on_alarms_redelivered(session: AsyncSession, envelopes: list[Envelope]) -> None:
    """Alarms handled before, published again by the gateway: it has not heard they are placed (a broker lost
    the incident event), and re-sends until it does. Tell it again, once per alarm, bounded like any event."""
    await reannounce_alarms(session, {envelope.data.alarm_id for envelope in envelopes})  # type: ignore[attr-defined]


async def reannounce_alarms(session: AsyncSession, alarm_ids: set[UUID]) -> None:
    """Announce again where each of these alarms, already placed, is."""
    if alarm_ids:
        placed = await repository.incidents_of_alarms(session, sorted(alarm_ids))
        await confirm_placements(session, placed)
        metrics.PLACEMENTS_CONFIRMED_AGAIN.labels("alarm").inc(len(placed))


def _join_or_open(alarm: AlarmRaised, nearby: Nearby, settings: Settings) -> Change:
    """The alarm joins the nearest incident that may take it, or opens one; the change as it is now."""
    since = alarm.raised_at - timedelta(seconds=settings.merge_window_s)
    incident = nearby.nearest(alarm.lat, alarm.lon, settings.merge_radius_m, since)
    if incident is None:
        incident = _new_incident(category=alarm.category, lat=alarm.lat, lon=alarm.lon, source="alarm",
                                 silent=alarm.silent, at=alarm.raised_at)
        nearby.open(incident)
        event: type[events.IncidentChanged] = events.IncidentOpened
        metrics.INCIDENTS_OPENED.labels(alarm.category, "alarm").inc()
    else:
        nearby.join(incident, alarm)
        event = events.IncidentAlarmMerged
        metrics.ALARMS_MERGED.inc()
    # The row keeps a count and the first few ids (every alarm is in incident_alarms): a crowd of a thousand
    # costs the same write, event and live-stream signal per alarm as the second alarm did.
    incident.alarm_count += 1
    if len(incident.alarm_ids) < ALARM_IDS_SHOWN:
        incident.alarm_ids = [*incident.alarm_ids, alarm.alarm_id]
    return change(incident, event, alarm.alarm_id)


def _alarm_row(alarm: AlarmRaised, incident_id: UUID, note: tuple[str | None, bytes | None]) -> dict:
    note_key_id, note_sealed = note
    return {"alarm_id": alarm.alarm_id, "incident_id": incident_id, "device_id": alarm.device_id,
            "category": alarm.category, "note_key_id": note_key_id, "note_sealed": note_sealed,
            "silent": alarm.silent, "raised_at": alarm.raised_at,
            "pressed_at": alarm.pressed_at, "delayed": alarm.delayed, "battery_pct": alarm.battery_pct,
            "source": alarm.source, "location_last_known": alarm.location_last_known}


def _location_row(alarm: AlarmRaised, incident_id: UUID) -> dict:
    return {"incident_id": incident_id, "alarm_id": alarm.alarm_id, "lat": alarm.lat, "lon": alarm.lon,
            "accuracy_m": alarm.accuracy_m, "recorded_at": alarm.raised_at}


def _new_incident(*, category: str, lat: float, lon: float, source: str, silent: bool, at: datetime,
                  report_id: UUID | None = None) -> Incident:
    now = datetime.now(UTC)
    return Incident(id=uuid4(), status="open", category=category, priority=priority_of(category, silent),
                    lat=lat, lon=lon, area=kecamatan_of(lat, lon), source=source, report_id=report_id,
                    silent=silent, unauthenticated=False, source_fingerprint=None, duress=False, alarm_ids=[],
                    alarm_count=0, unprocessed=False, escalation_level=0, opened_at=at, last_alarm_at=at,
                    updated_at=now, version=1)


async def on_alarm_location_updated(session: AsyncSession, envelope: Envelope) -> None:
    update: AlarmLocationUpdated = envelope.data  # type: ignore[assignment]
    alarm = await repository.alarm(session, update.alarm_id)
    if alarm is None:
        raise LookupError(f"location for unknown alarm {update.alarm_id}")  # retried, then dead-lettered
    incident = await repository.locked_of_alarm(session, alarm)
    session.add(IncidentLocation(incident_id=incident.id, alarm_id=alarm.alarm_id, lat=update.lat, lon=update.lon,
                                 accuracy_m=update.accuracy_m, recorded_at=update.recorded_at))
    incident.lat, incident.lon = update.lat, update.lon
    incident.area = kecamatan_of(update.lat, update.lon)
    await record_change(session, incident, events.IncidentLocationUpdated)


async def on_alarm_cancelled(session: AsyncSession, envelope: Envelope, notes: NoteSealer) -> None:
    """The caller called it off. An incident nobody handles yet closes; a handled one gets a note."""
    cancel: AlarmCancelled = envelope.data  # type: ignore[assignment]
    alarm = await repository.alarm(session, cancel.alarm_id)
    if alarm is None:
        raise LookupError(f"cancel for unknown alarm {cancel.alarm_id}")
    # Defence in depth: whatever the gateway sent, a private category's reason is never written down here.
    reason = None if alarm.category in PRIVATE_CATEGORIES else notes.reason(envelope)
    keyring = notes.keyring
    alarm.cancelled_at = cancel.cancelled_at
    alarm.cancel_reason_key_id, alarm.cancel_reason_sealed = seal_text(keyring, reason,
                                                                       cancel_reason_aad(alarm.alarm_id))
    incident = await repository.locked_of_alarm(session, alarm)
    await session.flush()  # this alarm's cancellation counts in the question below
    said = f": {reason}" if reason else " (alasan tidak dicatat / reason not recorded)"
    if incident.status == "open" and not await repository.any_alarm_active(session, incident.id):
        incident.status = "cancelled"
        set_outcome(keyring, incident, f"cancelled by caller{said}")
        await record_change(session, incident, events.IncidentCancelled)
        return
    session.add(new_note(keyring, incident.id, "system", f"Alarm dibatalkan oleh pelapor / cancelled by caller{said}"))
    await record_change(session, incident, events.IncidentNoteAdded)


async def on_report_urgent(session: AsyncSession, envelope: Envelope, settings: Settings, keyring: Keyring) -> None:
    """A reporter in immediate danger: an incident of its own, never merged with alarms. Unauthenticated
    reports from one source in a burst join one incident, for a supervisor to triage: anyone can send them,
    and one sender must not fill the queue or set a patrol in motion per request."""
    report: ReportUrgent = envelope.data  # type: ignore[assignment]
    if await _reannounce_report(session, report):
        return
    burst_of = None
    if not report.authenticated and report.source_fingerprint:
        await repository.lock_source(session, report.source_fingerprint)
        since = report.reported_at - timedelta(seconds=settings.report_burst_window_s)
        burst_of = await repository.active_from_source(session, report.source_fingerprint, since)
    if burst_of is not None:
        await _join_burst(session, keyring, burst_of, report)
        return
    lat, lon = _place_of(report)
    incident = _new_incident(category=report.category, lat=lat, lon=lon, source="report", silent=True,
                             at=report.reported_at, report_id=report.report_id)
    incident.area = _kecamatan_named(report.area) or incident.area
    incident.unauthenticated = not report.authenticated
    incident.source_fingerprint = None if report.authenticated else report.source_fingerprint
    session.add(incident)
    session.add(_report_row(report, incident))
    metrics.INCIDENTS_OPENED.labels(report.category, "report").inc()
    await record_change(session, incident, events.IncidentOpened, report_id=report.report_id)


def _report_row(report: ReportUrgent, incident: Incident) -> IncidentReport:
    return IncidentReport(report_id=report.report_id, incident_id=incident.id, reported_at=report.reported_at)


async def _join_burst(session: AsyncSession, keyring: Keyring, incident: Incident, report: ReportUrgent) -> None:
    """Another urgent report from the incident's source: recorded on it and announced naming the report (so
    report-intake stops re-sending it; one small event per report, as per merged alarm, bounded by
    report-intake's per-address limit). A note asks for triage only at the 2nd, 5th, 10th, 20th, 50th ...
    report, so a flood adds a handful of notes, not one per request."""
    session.add(_report_row(report, incident))
    incident.category = more_urgent(incident.category, report.category)
    incident.priority = max(incident.priority, priority_of(report.category, True))
    incident.last_alarm_at = max(incident.last_alarm_at, report.reported_at)
    await session.flush()
    metrics.REPORTS_MERGED.inc()
    count = await repository.report_count(session, incident.id)
    if _milestone(count):
        session.add(new_note(keyring, incident.id, "system", (
            f"{count} laporan darurat tanpa autentikasi dari satu sumber digabung di sini; mohon dipilah "
            f"supervisor / {count} unauthenticated urgent reports from one source merged here: a supervisor "
            "should triage them")))
        await record_change(session, incident, events.IncidentNoteAdded)
    await record_change(session, incident, events.IncidentReportMerged, report_id=report.report_id)


def _milestone(count: int) -> bool:
    """2, 5, 10, 20, 50, 100, ..."""
    digits = str(count)
    return count >= 2 and digits[0] in "125" and set(digits[1:]) <= {"0"}


async def on_report_redelivered(session: AsyncSession, envelope: Envelope) -> None:
    """An urgent report handled before, published again by report-intake: tell it again where it is."""
    await _reannounce_report(session, envelope.data)  # type: ignore[arg-type]


async def _reannounce_report(session: AsyncSession, report: ReportUrgent) -> bool:
    """If the report already has its incident, announce that again; whether it has."""
    existing = await repository.incident_of_report(session, report.report_id)
    if existing is None:
        return False
    await confirm_placements(session, [(existing, None)], report_id=report.report_id)
    metrics.PLACEMENTS_CONFIRMED_AGAIN.labels("report").inc()
    return True


def _place_of(report: ReportUrgent) -> tuple[float, float]:
    if report.lat is not None and report.lon is not None:
        return report.lat, report.lon
    return KECAMATAN.get(_kecamatan_named(report.area) or "", CITY_CENTRE)


def _kecamatan_named(area: str | None) -> str | None:
    """The kecamatan in a free-form area such as "Sendangmulyo, Tembalang" (kelurahan, kecamatan)."""
    parts = [part.strip() for part in (area or "").split(",")]
    return next((part for part in reversed(parts) if part in KECAMATAN), None)


async def on_snapshot_captured(session: AsyncSession, envelope: Envelope) -> None:
    snapshot: SnapshotCaptured = envelope.data  # type: ignore[assignment]
    if snapshot.incident_id is None:
        return
    incident = await repository.get(session, snapshot.incident_id, for_update=True)
    if incident is None:
        return  # an incident of another dispatch deployment, or long purged
    inserted = await session.execute(insert(IncidentSnapshot).values(
        incident_id=incident.id, camera_id=snapshot.camera_id, blob_ref=snapshot.blob_ref,
        snapshot_url=snapshot.snapshot_url, distance_m=snapshot.distance_m, motion_score=snapshot.motion_score,
        captured_at=snapshot.captured_at,
    ).on_conflict_do_nothing().returning(IncidentSnapshot.id))
    if inserted.first() is not None:
        await record_change(session, incident, events.IncidentSnapshotAttached)
