"""notifier's typed settings dependency (the session dependency is the shared one)."""

from typing import Annotated

from fastapi import Depends

from kentongan.dependencies import SessionDep, app_settings
from notifier.settings import Settings

SettingsDep = Annotated[Settings, Depends(app_settings)]

__all__ = ["SessionDep", "SettingsDep"]
