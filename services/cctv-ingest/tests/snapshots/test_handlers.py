"""An incident opened near a camera brings a fresh snapshot of it, announced for dispatch to attach; the
retention run deletes the image (file and row) once its period is over."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from sqlalchemy import text

from kentongan.db import create_engine
from kentongan.dev.testing import eventually
from kentongan.events import Envelope, encode
from kentongan.events.cctv import SnapshotCaptured
from kentongan.events.incidents import IncidentAlarmMerged, IncidentOpened
from kentongan.events.topics import CCTV_SNAPSHOTS
from kentongan.kafka import create_producer
from kentongan.retention import RetentionSettings, apply, rules_for


async def _publish(settings, event) -> None:
    message = encode(Envelope.wrap(event, "/services/dispatch"))
    producer = create_producer(settings, "test-dispatch")
    await producer.start()
    try:
        await producer.send_and_wait(event.topic, message.value, key=event.key.encode(),
                                     headers=list(message.headers.items()))
    finally:
        await producer.stop()


def _incident(lat: float, lon: float) -> IncidentOpened:
    now = datetime.now(UTC)
    return IncidentOpened(incident_id=uuid4(), status="open", category="crime", priority=1, lat=lat, lon=lon,
                          area="Semarang Tengah", opened_at=now, updated_at=now, version=1)


async def test_incident_opened_near_a_camera_publishes_its_snapshot(cctv, admin, operator, camera_body,
                                                                    fake_camera, events, settings):
    camera = fake_camera()
    lat, lon = -6.9700, 110.3000  # a corner of town no other test uses
    near = camera_body(stream_url=camera.url, enabled=True, lat=lat + 0.0005, lon=lon)  # ~55 m away
    far = camera_body(stream_url=camera.url, enabled=True, lat=lat + 0.02, lon=lon)  # ~2.2 km away
    for body in (near, far):
        await cctv.post("/v1/cameras", json=body, headers=admin)

    async def online(camera_id):
        health = (await cctv.get(f"/v1/cameras/{camera_id}", headers=operator)).json()["health"]
        return health and health["state"] == "online"

    await eventually(lambda: online(near["id"]))
    await eventually(lambda: online(far["id"]))

    incident = _incident(lat, lon)
    await _publish(settings, incident)
    # A crowd: alarms merge into the incident and its opening is announced again; its cameras are taken once.
    for count in range(2, 6):
        await _publish(settings, IncidentAlarmMerged(**{**incident.model_dump(), "alarm_count": count}))
    await _publish(settings, incident)
    def of_incident(event) -> bool:
        return isinstance(event, SnapshotCaptured) and event.incident_id == incident.incident_id

    assert await events(CCTV_SNAPSHOTS, of_incident)
    # Every snapshot of an incident commits in one transaction; a short second read sees them all.
    shots = await events(CCTV_SNAPSHOTS, of_incident, done=lambda found: len(found) > 1, timeout_s=3)
    # Once, and the far camera is out of range.
    assert [shot.data.camera_id for shot in shots] == [near["id"]]
    shot = shots[0].data
    assert 50 < shot.distance_m < 60 and shot.motion_score is not None
    image = await cctv.get(shot.snapshot_url, headers=operator)
    assert image.status_code == 200 and image.content[:2] == b"\xff\xd8"
    other = await cctv.get(f"/v1/cameras/{near['id']}/snapshot", params={"ref": f"cameras/{far['id']}/latest.jpg"},
                           headers=operator)
    assert other.status_code == 404  # a reference is only served under its own camera


async def test_the_retention_run_deletes_expired_snapshot_images_files_and_rows(
        cctv, admin, operator, camera_body, fake_camera, events, settings, cctv_settings, monkeypatch):
    camera = fake_camera()
    lat, lon = -6.9760, 110.3100  # another corner of town no other test uses
    near = camera_body(stream_url=camera.url, enabled=True, lat=lat + 0.0003, lon=lon)

    async def online():
        health = (await cctv.get(f"/v1/cameras/{near['id']}", headers=operator)).json()["health"]
        return health and health["state"] == "online"

    await cctv.post("/v1/cameras", json=near, headers=admin)
    await eventually(online)
    expiring, recent = _incident(lat, lon), _incident(lat, lon)
    refs = {}
    for incident in (expiring, recent):
        await _publish(settings, incident)
        [shot] = await events(CCTV_SNAPSHOTS, lambda e, i=incident: isinstance(e, SnapshotCaptured)
                              and e.incident_id == i.incident_id)
        refs[incident.incident_id] = shot.data.blob_ref
    files = {incident_id: Path(cctv_settings.blob_dir) / ref for incident_id, ref in refs.items()}
    assert all(file.read_bytes()[:2] == b"\xff\xd8" for file in files.values())

    engine = create_engine(settings.database_url, 2)
    try:
        long_ago = datetime.now(UTC) - timedelta(days=91)
        async with engine.begin() as conn:  # the first incident closed, and was snapshotted, 91 days ago
            await conn.execute(text("UPDATE cctv_ingest.snapshot_images SET captured_at = :at "
                                    "WHERE incident_id = :id"), {"at": long_ago, "id": expiring.incident_id})
            await conn.execute(text("UPDATE cctv_ingest.incident_focus SET closed_at = :at WHERE incident_id = :id"),
                               {"at": long_ago, "id": expiring.incident_id})
        monkeypatch.setenv("CCTV_INGEST_BLOB_DIR", cctv_settings.blob_dir)  # the run's own settings, as in a CronJob
        outcomes = await apply(engine, rules_for(["cctv-ingest"]), RetentionSettings())
        async with engine.connect() as conn:
            kept = set(await conn.scalars(text("SELECT incident_id FROM cctv_ingest.snapshot_images "
                                               "WHERE incident_id IN (:a, :b)"),
                                          {"a": expiring.incident_id, "b": recent.incident_id}))
    finally:
        await engine.dispose()
    assert next(o.rows for o in outcomes if o.rule.kind == "snapshot image") >= 1
    assert kept == {recent.incident_id}
    assert not files[expiring.incident_id].exists() and files[recent.incident_id].exists()
    gone = await cctv.get(f"/v1/cameras/{near['id']}/snapshot", params={"ref": refs[expiring.incident_id]},
                          headers=operator)
    assert gone.status_code == 404
