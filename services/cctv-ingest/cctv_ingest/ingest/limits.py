"""The read limits every camera read in this worker uses, from its settings."""

from cctv_ingest.cameras.urls import camera_policy
from cctv_ingest.ingest.grabber import ReadLimits
from cctv_ingest.settings import Settings


def read_limits(settings: Settings) -> ReadLimits:
    return ReadLimits(settings.open_timeout_s, settings.read_timeout_s, settings.snapshot_width,
                      camera_policy(settings), settings.rtsp_transport)
