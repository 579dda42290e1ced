"""alarm-gateway's request dependencies: typed settings, the alarm intake (the session dependency is the
shared one)."""

from typing import Annotated

from fastapi import Depends, Request

from alarm_gateway.settings import Settings
from kentongan.dependencies import SessionDep, app_settings
from kentongan.group_commit import GroupCommit

SettingsDep = Annotated[Settings, Depends(app_settings)]


async def _alarm_intake(request: Request) -> GroupCommit:
    return request.app.state.alarm_intake


AlarmIntakeDep = Annotated[GroupCommit, Depends(_alarm_intake)]

__all__ = ["AlarmIntakeDep", "SessionDep", "SettingsDep"]
