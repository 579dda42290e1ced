"""notifier's typed settings dependency (the session and keyring dependencies are the shared ones)."""

from typing import Annotated

from fastapi import Depends

from kentongan.dependencies import KeyringDep, SessionDep, app_settings
from notifier.settings import Settings

SettingsDep = Annotated[Settings, Depends(app_settings)]

__all__ = ["KeyringDep", "SessionDep", "SettingsDep"]
