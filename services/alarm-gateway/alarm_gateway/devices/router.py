from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request

from alarm_gateway.dependencies import SessionDep, SettingsDep
from alarm_gateway.devices import service
from alarm_gateway.devices.schemas import DeviceRegistration, RegisteredDevice
from kentongan.ratelimit import RateLimiter
from kentongan.security import bearer_token

router = APIRouter(prefix="/v1/devices", tags=["devices"])


async def _registration_limiter(request: Request) -> None:
    limiter: RateLimiter = request.app.state.registration_limiter
    limiter.check(request.client.host if request.client else "unknown")


@router.post("", status_code=201, response_model=RegisteredDevice,
             dependencies=[Depends(_registration_limiter)], summary="Register an app installation")
async def register_device(body: DeviceRegistration, session: SessionDep, settings: SettingsDep) -> RegisteredDevice:
    return await service.register(session, body, settings)


async def current_device(request: Request, settings: SettingsDep) -> UUID:
    """The device behind the bearer token, counted against its rate limit."""
    device_id = service.device_id_from_token(settings, bearer_token(request))
    request.app.state.device_limiter.check(str(device_id))
    return device_id


CurrentDevice = Annotated[UUID, Depends(current_device)]
