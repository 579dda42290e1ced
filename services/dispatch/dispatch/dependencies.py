"""dispatch's typed settings dependency (the session and keyring dependencies are the shared ones)."""

from typing import Annotated

from fastapi import Depends

from dispatch.settings import Settings
from kentongan.dependencies import KeyringDep, SessionDep, app_settings

SettingsDep = Annotated[Settings, Depends(app_settings)]

__all__ = ["KeyringDep", "SessionDep", "SettingsDep"]
