"""Which events report-intake consumes, and who handles them."""

from kentongan.events.incidents import IncidentOpened, IncidentPlacementConfirmed, IncidentReportMerged
from report_intake.reports.handlers import on_incident_placed

# Only what places an urgent report: an incident it opened, one an anonymous burst's report joined, or either
# announced again for a report re-sent. Every other incident event is ignored without even an inbox row
# (incidents.v1 carries every alarm's changes too).
HANDLERS = {IncidentOpened.ce_type: on_incident_placed, IncidentReportMerged.ce_type: on_incident_placed,
            IncidentPlacementConfirmed.ce_type: on_incident_placed}
