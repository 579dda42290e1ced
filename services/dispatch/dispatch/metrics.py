"""dispatch's own Prometheus metrics."""

from prometheus_client import Counter, Gauge, Histogram

INCIDENTS_OPENED = Counter("dispatch_incidents_opened_total", "Incidents opened", ["category", "source"])
ALARMS_MERGED = Counter("dispatch_alarms_merged_total", "Alarms that joined an existing incident")
REPORTS_MERGED = Counter("dispatch_reports_merged_total",
                         "Unauthenticated urgent reports that joined their source's incident (a burst)")
TIME_TO_ACKNOWLEDGE = Histogram(
    "dispatch_incident_time_to_acknowledge_seconds", "From incident opened to first acknowledgement",
    buckets=(5, 10, 30, 60, 120, 300, 600, 1800, 3600),
)
ESCALATIONS = Counter("dispatch_incident_escalations_total", "Escalations of unacknowledged incidents")
OPEN_INCIDENTS = Gauge("dispatch_open_incidents", "Active incidents by status", ["status"])
STREAM_CLIENTS = Gauge("dispatch_stream_clients", "Connected live-stream (SSE) clients")
UNPROCESSED_ALARMS = Counter(
    "dispatch_unprocessed_alarms_total",
    "Alarms and urgent reports dispatch could not process (dead-lettered), each opened as a fallback incident",
    ["topic"],
)
PLACEMENTS_CONFIRMED_AGAIN = Counter(
    "dispatch_placements_confirmed_again_total",
    "Alarms and urgent reports published again by their producer after dispatch placed them, announced again",
    ["source"],
)
