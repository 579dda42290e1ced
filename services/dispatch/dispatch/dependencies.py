"""dispatch's typed settings dependency (the session dependency is the shared one)."""

from typing import Annotated

from fastapi import Depends

from dispatch.settings import Settings
from kentongan.dependencies import SessionDep, app_settings

SettingsDep = Annotated[Settings, Depends(app_settings)]

__all__ = ["SessionDep", "SettingsDep"]
