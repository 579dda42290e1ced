"""Incident events from dispatch: an urgent report whose incident is open needs no re-send."""

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.events import Envelope
from kentongan.events.incidents import IncidentChanged
from kentongan.placement import confirm_placed
from report_intake.models import awaiting


async def on_incident_opened(session: AsyncSession, envelope: Envelope) -> None:
    """An incident opened for an urgent report (or that opening announced again) places the report (alarms'
    incidents are not ours)."""
    incident: IncidentChanged = envelope.data  # type: ignore[assignment]
    if incident.source == "report" and incident.report_id is not None:
        await confirm_placed(session, awaiting, {str(incident.report_id)})
