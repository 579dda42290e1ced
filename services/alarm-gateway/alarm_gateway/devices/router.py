from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request

from alarm_gateway.alarms.errors import AlarmNotFound
from alarm_gateway.dependencies import SessionDep, SettingsDep
from alarm_gateway.devices import service
from alarm_gateway.devices.erasure import erase_device
from alarm_gateway.devices.schemas import DeviceBlock, DeviceBlockCreate, DeviceRegistration, RegisteredDevice
from kentongan.errors import Forbidden, TooManyRequests, Unauthorized
from kentongan.openapi import SecurityScheme, documents, raises
from kentongan.paging import DEFAULT_PAGE, After, InvalidCursor, Limit, Page
from kentongan.ratelimit import RateLimiter, client_key
from kentongan.retention import ErasureConfirmation
from kentongan.security import CurrentSupervisor, bearer_token

router = APIRouter(prefix="/v1/devices", tags=["devices"])
DEVICE_TOKEN = SecurityScheme("deviceToken", {
    "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
    "description": "An app installation's token, returned once by `POST /v1/devices`."})


@documents(errors=(TooManyRequests,))
async def _registration_limiter(request: Request) -> None:
    limiter: RateLimiter = request.app.state.registration_limiter
    limiter.check(client_key(request))


@router.post("", status_code=201, response_model=RegisteredDevice,
             dependencies=[Depends(_registration_limiter)], summary="Register an app installation")
async def register_device(body: DeviceRegistration, session: SessionDep, settings: SettingsDep) -> RegisteredDevice:
    return await service.register(session, body, settings)


@documents(security=DEVICE_TOKEN, errors=(Unauthorized, Forbidden, TooManyRequests))
async def current_device(request: Request) -> UUID:
    """The device behind the bearer token, counted against its rate limit. (The settings come straight from the
    app, not as a dependency of their own: every alarm call resolves this, and each dependency costs.)"""
    device_id = service.device_id_from_token(request.app.state.settings, bearer_token(request))
    request.app.state.device_limiter.check(str(device_id))
    return device_id


CurrentDevice = Annotated[UUID, Depends(current_device)]


@router.delete("/me", status_code=204, summary="Erase this device's profile and history (device token)")
async def erase_this_device(body: ErasureConfirmation, device_id: CurrentDevice, session: SessionDep) -> None:
    """Send `{"confirm": true}`. The device's alarms are erased, except those operators may still be handling,
    which stay anonymous; its token stops working (register again to use the app). 422 without `confirm`."""
    await erase_device(session, device_id)


blocks_router = APIRouter(prefix="/v1/device-blocks", tags=["device blocks (Command Center supervisors)"])


@blocks_router.post("", status_code=201, response_model=DeviceBlock, responses=raises(AlarmNotFound),
                    summary="Block the device that raised an alarm (prank or abusive alarms)")
async def block_device(body: DeviceBlockCreate, supervisor: CurrentSupervisor, session: SessionDep) -> DeviceBlock:
    """Its new alarms are refused with 403 `device_blocked` (the app tells the caller to phone 110); alarms it
    already raised are not touched."""
    return await service.block(session, body, supervisor)


@blocks_router.get("", response_model=Page[DeviceBlock], responses=raises(InvalidCursor),
                   summary="Blocked devices, most recent first, a page at a time")
async def list_device_blocks(_: CurrentSupervisor, session: SessionDep, limit: Limit = DEFAULT_PAGE,
                             after: After = None) -> Page[DeviceBlock]:
    return await service.list_blocks(session, limit, after)


@blocks_router.delete("/{device_id}", status_code=204, summary="Let a blocked device raise alarms again")
async def unblock_device(device_id: UUID, supervisor: CurrentSupervisor, session: SessionDep) -> None:
    await service.unblock(session, device_id, supervisor)
