"""alarm-gateway's own Prometheus metrics."""

from prometheus_client import Counter

INBOUND_SMS = Counter("alarm_gateway_inbound_sms_total", "Inbound SMS by outcome (alarm, unknown_number, "
                      "no_keyword, device_blocked)", ["outcome"])
