"""Request dependencies every service uses: the session that commits at the boundary, the settings, and the
keyring of a service that seals values at rest."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.crypto import Keyring
from kentongan.db import unit_of_work


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with unit_of_work(request.app.state.sessionmaker) as session:
        yield session


# Dependencies are `async def` even without awaiting anything: FastAPI runs a plain `def` dependency in its
# thread pool, a thread hand-off per request that cost more CPU than the dependency itself.
async def app_settings(request: Request) -> Any:
    """The app's settings object (annotate with the service's own Settings type)."""
    return request.app.state.settings


# scope="function": the transaction commits before the response is sent, so a 2xx means it is durable.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]


async def _keyring(request: Request) -> Keyring:
    return request.app.state.keyring  # type: ignore[no-any-return]


# The service's at-rest keyring (kentongan.crypto), which its app factory keeps in `app.state.keyring`.
KeyringDep = Annotated[Keyring, Depends(_keyring)]
