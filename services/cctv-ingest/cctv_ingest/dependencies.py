"""cctv-ingest's typed request dependencies (the session dependency is the shared one)."""

from typing import Annotated

from fastapi import Depends, Request

from cctv_ingest.settings import Settings
from kentongan.blobs import BlobStore
from kentongan.dependencies import SessionDep, app_settings

SettingsDep = Annotated[Settings, Depends(app_settings)]


async def _blob_store(request: Request) -> BlobStore:
    return request.app.state.blob_store


BlobStoreDep = Annotated[BlobStore, Depends(_blob_store)]

__all__ = ["BlobStoreDep", "SessionDep", "SettingsDep"]
