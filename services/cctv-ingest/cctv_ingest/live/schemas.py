from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class LiveSessionGrant(BaseModel):
    """Where to play the camera live: open `url` within `expires_at` (one stream per ticket)."""

    url: str = Field(description="Playback URL with its signed ticket; relative to this service unless "
                                 "CCTV_INGEST_PUBLIC_URL is set", examples=["/v1/cameras/smg-01/live?ticket=..."])
    expires_at: datetime = Field(description="The stream must start before this; it then runs on")
    mode: Literal["fmp4", "jpeg"] = Field(description="fmp4: fragmented MP4 (H.264, play in <video>); jpeg: "
                                                      "multipart/x-mixed-replace JPEGs at ~1 fps (H.265, MJPEG "
                                                      "cameras; show in <img>)")
