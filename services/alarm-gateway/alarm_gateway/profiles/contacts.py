"""Emergency contacts are told by SMS when the owner's alarm reaches the Command Center (is placed in an
incident): "<name> pressed the Kentongan panic button near <kelurahan>; the police are informed". The gateway
knows the incident's kecamatan; it sends the alarm's coordinate too (sealed, like every field), and notifier
names the kelurahan from its RT registry when one is near (notifier.devices.handlers).

Never for a silent alarm (the caller is hiding), never for sexual violence, violence or child abuse (the abuser
is too often family, and may be a contact), and never once the alarm was cancelled, genuinely or under duress
(the incident events of a cancelled alarm are not applied, so it is never "placed" here afterwards)."""

from uuid import UUID

from sqlalchemy import Row, Uuid, select
from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.models import Alarm, DeviceProfile, outbox
from alarm_gateway.profiles.keys import ProfileKeys
from alarm_gateway.profiles.messages import device_sms
from alarm_gateway.profiles.service import open_sealed_fields
from kentongan.db import any_param
from kentongan.events.devices import DeviceSms
from kentongan.events.incidents import NEVER_TOLD_CATEGORIES
from kentongan.outbox import add_events

# Plain columns, not the DeviceProfile entity: an ORM object per placed alarm cost more than opening the
# profile.
_TO_ALERT = (select(Alarm.id, Alarm.created_at, Alarm.lat, Alarm.lon,
                    DeviceProfile.device_id, DeviceProfile.key_id, DeviceProfile.sealed)
             .join(DeviceProfile, DeviceProfile.device_id == Alarm.device_id)
             .where(Alarm.id == any_param("alarm_ids", Uuid), Alarm.silent.is_(False),
                    Alarm.category.not_in(NEVER_TOLD_CATEGORIES), Alarm.status != "cancelled", Alarm.duress_at.is_(None)))


async def alert_contacts(session: AsyncSession, keys: ProfileKeys, placed: dict[UUID, str]) -> None:
    """Stage one SMS per emergency contact of each alarm just placed (`placed`: alarm id -> area)."""
    if not placed:
        return
    rows = await session.execute(_TO_ALERT, {"alarm_ids": list(placed)})
    await add_events(session, outbox, [message for row in rows for message in _messages(keys, row, placed[row.id])])


def _messages(keys: ProfileKeys, row: Row, area: str) -> list[DeviceSms]:
    fields = open_sealed_fields(keys, row.device_id, row.key_id, row.sealed)
    return [device_sms(keys, row.device_id, "emergency_contact", contact.phone, language=fields.language,
                       fields={"name": fields.name, "place": area, "lat": str(row.lat), "lon": str(row.lon)},
                       recipient=f"{row.id}:contact-{index}",
                       at=row.created_at)
            for index, contact in enumerate(fields.emergency_contacts)]
