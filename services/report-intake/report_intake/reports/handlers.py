"""Incident events from dispatch: an urgent report placed in an incident needs no re-send."""

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.events import Envelope
from kentongan.events.incidents import IncidentChanged
from kentongan.placement import confirm_placed
from report_intake.models import awaiting


async def on_incident_placed(session: AsyncSession, envelope: Envelope) -> None:
    """An incident opened for an urgent report, or joined by one, places the report (alarms' incidents are not
    ours). Events published before `placed_report_id` existed name the opening report as `report_id`."""
    incident: IncidentChanged = envelope.data  # type: ignore[assignment]
    report_id = incident.placed_report_id or (incident.source == "report" and incident.report_id)
    if report_id:
        await confirm_placed(session, awaiting, {str(report_id)})
