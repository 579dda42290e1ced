"""alarm-gateway's request dependencies: typed settings and the keyring (the session dependency is the shared
one).

The alarm intake (the group commit) is not a dependency: raising an alarm reads it from the app state, since
every dependency FastAPI resolves costs a few microseconds on the busiest route."""

from typing import Annotated

from fastapi import Depends

from alarm_gateway.settings import Settings
from kentongan.dependencies import KeyringDep, SessionDep, app_settings

SettingsDep = Annotated[Settings, Depends(app_settings)]

__all__ = ["KeyringDep", "SessionDep", "SettingsDep"]
