from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from alarm_gateway.dependencies import SessionDep
from alarm_gateway.devices.router import CurrentDevice
from alarm_gateway.profiles import service, verification
from alarm_gateway.profiles.keys import ProfileKeys
from alarm_gateway.profiles.schemas import CodeConfirm, Profile, ProfileUpdate, VerificationStarted, Verified
from kentongan.errors import ServiceError, error_response

router = APIRouter(prefix="/v1/devices/me", tags=["devices"])


async def _keys(request: Request) -> ProfileKeys:
    return request.app.state.profile_keys


KeysDep = Annotated[ProfileKeys, Depends(_keys)]


@router.put("/profile", response_model=Profile, summary="Who the Command Center calls back, and whom to warn")
async def put_profile(body: ProfileUpdate, device_id: CurrentDevice, session: SessionDep, keys: KeysDep) -> Profile:
    """Phones are stored in E.164 (`0812-3456-7890` becomes `+6281234567890`); an invalid one is a 422 naming
    the field. At most 3 emergency contacts. A new phone must be verified again."""
    return await service.put_profile(session, keys, device_id, body)


@router.get("/profile", response_model=Profile, summary="This device's profile")
async def get_profile(device_id: CurrentDevice, session: SessionDep, keys: KeysDep) -> Profile:
    return await service.get_profile(session, keys, device_id)


@router.post("/phone/verification", status_code=202, response_model=VerificationStarted,
             summary="Text a 6-digit code to the profile's phone")
async def start_verification(device_id: CurrentDevice, session: SessionDep, keys: KeysDep) -> VerificationStarted:
    """The code is valid for 10 minutes; a new request replaces it. 429 while locked after wrong codes."""
    return await verification.start(session, keys, device_id)


@router.post("/phone/verification/confirm", response_model=Verified, summary="Confirm the phone with the code",
             responses={403: {"description": "`wrong_code`"}, 429: {"description": "locked: five wrong codes"}})
async def confirm_verification(body: CodeConfirm, device_id: CurrentDevice, session: SessionDep,
                               keys: KeysDep) -> Verified | JSONResponse:
    result = await verification.confirm(session, keys, device_id, body.code)
    return error_response(result) if isinstance(result, ServiceError) else result
