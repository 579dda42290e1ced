"""An incident opened near a camera brings a fresh snapshot of it, announced for dispatch to attach."""

from datetime import UTC, datetime
from uuid import uuid4

from kentongan.events import Envelope, encode
from kentongan.events.cctv import SnapshotCaptured
from kentongan.events.incidents import IncidentAlarmMerged, IncidentOpened
from kentongan.events.topics import CCTV_SNAPSHOTS
from kentongan.kafka import create_producer
from kentongan.testing import eventually


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
