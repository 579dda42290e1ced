"""notifier's Prometheus metrics, named `notifier_<noun>_<unit>`."""

from datetime import datetime

from prometheus_client import Counter, Histogram

DELIVERIES = Counter("notifier_deliveries_total", "Delivery attempts by purpose, channel and outcome",
                     ["purpose", "channel", "outcome"])
EVENT_TO_DELIVERY = Histogram("notifier_event_to_delivery_seconds",
                              "From the event's time to a successful delivery", ["purpose", "channel"],
                              buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600))


def observe(delivery, status: str, now: datetime) -> None:
    DELIVERIES.labels(delivery.purpose, delivery.channel, status).inc()
    if status == "delivered":
        EVENT_TO_DELIVERY.labels(delivery.purpose, delivery.channel).observe(
            max(0.0, (now - delivery.event_time).total_seconds()))
