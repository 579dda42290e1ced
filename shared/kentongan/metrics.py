"""Prometheus metrics every service exports, named `kentongan_<noun>_<unit>` and labelled by service.

Service-specific metrics live in the service, named `<svc>_<noun>_<unit>`.
"""

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "kentongan_http_requests_total", "HTTP requests by route template and status",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "kentongan_http_request_duration_seconds", "HTTP request latency by route template",
    ["service", "method", "route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_PRODUCED = Counter(
    "kentongan_events_produced_total", "Events published from the outbox", ["service", "event_type"],
)
EVENTS_CONSUMED = Counter(
    "kentongan_events_consumed_total", "Events consumed by type and outcome",
    ["service", "event_type", "outcome"],
)
EVENTS_DEAD_LETTERED = Counter(
    "kentongan_events_dead_lettered_total", "Events sent to a dead-letter topic", ["service", "topic"],
)
OUTBOX_BACKLOG = Gauge(
    "kentongan_outbox_backlog_events", "Unpublished outbox rows seen by the relay (up to one batch)", ["service"],
)
OUTBOX_OLDEST_AGE = Gauge(
    "kentongan_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row", ["service"],
)
CONSUMER_LAG = Gauge(
    "kentongan_consumer_lag_events", "Records behind the partition end, per topic and partition",
    ["service", "topic", "partition"],
)
CONSUMER_OLDEST_AGE = Gauge(
    "kentongan_consumer_oldest_unprocessed_age_seconds",
    "Age of the oldest record fetched and not yet handled and committed, per topic and partition (0: none)",
    ["service", "topic", "partition"],
)
HEALTH_PROBLEM = Gauge(
    "kentongan_health_problem", "1 while a check of the service's own progress fails (the reason is in /readyz)",
    ["service", "check"],
)
PLACEMENT_RESENDS = Counter(
    "kentongan_placement_resends_total", "Events published again because no incident had taken them in time",
    ["service", "event_type"],
)
PLACEMENT_AWAITING = Gauge(
    "kentongan_placement_awaiting_events", "Events (alarms, urgent reports) no incident has taken yet", ["service"],
)
PLACEMENT_OLDEST_AGE = Gauge(
    "kentongan_placement_oldest_unplaced_age_seconds",
    "Age of the oldest event (alarm, urgent report) no incident has taken yet", ["service"],
)
GROUP_COMMIT_BATCH = Histogram(
    "kentongan_group_commit_batch_items", "Items written per group-commit transaction", ["batch"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
