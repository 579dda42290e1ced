from fastapi import APIRouter

from alarm_gateway.dependencies import SessionDep
from alarm_gateway.devices.router import CurrentDevice
from alarm_gateway.pins import service
from alarm_gateway.pins.schemas import PinsState, PinsUpdate

router = APIRouter(prefix="/v1/devices/me/pins", tags=["devices"])


@router.put("", response_model=PinsState, summary="Set the cancel PIN and the duress PIN")
async def set_pins(body: PinsUpdate, device_id: CurrentDevice, session: SessionDep) -> PinsState:
    """Once set, cancelling an alarm needs one of them. The duress PIN answers exactly like a cancel, but the
    Command Center is told the caller is forced, and treats the alarm as the most urgent."""
    return await service.set_pins(session, device_id, body)
