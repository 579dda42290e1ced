from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from alarm_gateway.alarms import service
from alarm_gateway.alarms.errors import AlarmClosed, AlarmIdTaken, DeviceBlocked
from alarm_gateway.alarms.schemas import Alarm, AlarmCreate, AlarmPage, CancelRequest, LocationUpdate
from alarm_gateway.dependencies import KeyringDep, SessionDep
from alarm_gateway.devices.router import CurrentDevice
from kentongan.errors import ServiceError, error_response
from kentongan.group_commit import GroupCommit
from kentongan.openapi import raises
from kentongan.paging import After, InvalidCursor, Limit

router = APIRouter(prefix="/v1/alarms", tags=["alarms"])


@router.post("", status_code=202, response_model=Alarm, responses=raises(AlarmIdTaken, DeviceBlocked),
             summary="Raise a panic alarm")
async def raise_alarm(body: AlarmCreate, device_id: CurrentDevice, request: Request) -> Alarm:
    """202: stored durably (committed with alarms raised at the same moment) and on its way to the Command
    Center."""
    intake: GroupCommit = request.app.state.alarm_intake
    return service.view(await intake.submit(service.AlarmRequest(device_id, body)), request.app.state.keyring)


@router.get("", response_model=AlarmPage, responses=raises(InvalidCursor),
            summary="This device's alarms, newest first, a page at a time")
async def list_alarms(device_id: CurrentDevice, session: SessionDep, keyring: KeyringDep,
                      limit: Limit = 20, after: After = None) -> AlarmPage:
    alarms, following = await service.list_alarms(session, device_id, limit, after)
    return AlarmPage(items=[service.view(alarm, keyring) for alarm in alarms], next=following)


@router.get("/{alarm_id}", response_model=Alarm, summary="Status of one of this device's alarms")
async def get_alarm(alarm_id: UUID, device_id: CurrentDevice, session: SessionDep, keyring: KeyringDep) -> Alarm:
    return service.view(await service.get_alarm(session, device_id, alarm_id), keyring)


@router.post("/{alarm_id}/locations", status_code=202, response_model=Alarm, responses=raises(AlarmClosed),
             summary="Send the caller's live location")
async def update_location(alarm_id: UUID, body: LocationUpdate, device_id: CurrentDevice,
                          session: SessionDep, keyring: KeyringDep) -> Alarm:
    return service.view(await service.update_location(session, device_id, alarm_id, body), keyring)


@router.post("/{alarm_id}/cancel", response_model=Alarm, summary="Call the alarm off, with the reason",
             responses={**raises(AlarmClosed),
                        403: {"description": "`wrong_pin` (the alarm stays active) or `pin_required`"}})
async def cancel_alarm(alarm_id: UUID, body: CancelRequest, device_id: CurrentDevice,
                       session: SessionDep, keyring: KeyringDep, request: Request) -> Alarm | JSONResponse:
    """With PINs set, `pin` is needed. Five wrong PINs on an alarm escalate it at the Command Center."""
    result = await service.cancel_alarm(session, keyring, request.app.state.bus, device_id, alarm_id, body)
    return error_response(result) if isinstance(result, ServiceError) else service.view(result, keyring)
