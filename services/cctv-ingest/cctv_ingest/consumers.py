"""Which events cctv-ingest consumes, and who handles them."""

from cctv_ingest.settings import Settings
from cctv_ingest.snapshots.capture import SnapshotCapture
from cctv_ingest.snapshots.handlers import incident_opened_handler, on_incident_closed
from kentongan.events.incidents import IncidentCancelled, IncidentOpened, IncidentResolved


def handlers(capture: SnapshotCapture, settings: Settings) -> dict:
    return {
        IncidentOpened.ce_type: incident_opened_handler(capture, settings),
        IncidentResolved.ce_type: on_incident_closed,
        IncidentCancelled.ce_type: on_incident_closed,
    }
