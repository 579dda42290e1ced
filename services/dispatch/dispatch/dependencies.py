"""dispatch's typed settings and keyring dependencies (the session dependency is the shared one)."""

from typing import Annotated

from fastapi import Depends, Request

from dispatch.settings import Settings
from kentongan.crypto import Keyring
from kentongan.dependencies import SessionDep, app_settings

SettingsDep = Annotated[Settings, Depends(app_settings)]


async def _keyring(request: Request) -> Keyring:
    return request.app.state.keyring


KeyringDep = Annotated[Keyring, Depends(_keyring)]

__all__ = ["KeyringDep", "SessionDep", "SettingsDep"]
