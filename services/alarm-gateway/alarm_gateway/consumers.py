"""Which events alarm-gateway consumes, and who handles them."""

from alarm_gateway.alarms.handlers import on_incidents_changed
from kentongan.consumer import Batched
from kentongan.events import incidents

# One handler for every incident event type, so a poll's events reach it together, in order.
_ON_INCIDENTS_CHANGED = Batched(on_incidents_changed)
HANDLERS = {model.ce_type: _ON_INCIDENTS_CHANGED for model in incidents.IncidentChanged.__subclasses__()}
