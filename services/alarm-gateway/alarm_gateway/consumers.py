"""Which events alarm-gateway consumes, and who handles them."""

from alarm_gateway.alarms.handlers import on_incident_changed
from kentongan.events import incidents

HANDLERS = {model.ce_type: on_incident_changed for model in incidents.IncidentChanged.__subclasses__()}
