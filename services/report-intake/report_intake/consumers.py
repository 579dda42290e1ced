"""Which events report-intake consumes, and who handles them."""

from kentongan.events.incidents import IncidentOpened, IncidentPlacementConfirmed
from report_intake.reports.handlers import on_incident_opened

# Only openings (and an opening announced again, for a report re-sent): an urgent report opens an incident of
# its own, and every other incident event is ignored without even an inbox row (incidents.v1 carries every
# alarm's changes too).
HANDLERS = {IncidentOpened.ce_type: on_incident_opened, IncidentPlacementConfirmed.ce_type: on_incident_opened}
