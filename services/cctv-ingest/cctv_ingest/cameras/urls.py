"""Camera stream URLs under the platform's outbound policy (kentongan.outbound).

A city's NVRs and cameras sit on private LANs, so camera URLs may name RFC 1918, shared (100.64/10) and
unique-local addresses; loopback (this service's own ports), link-local and cloud metadata addresses stay
refused unless the platform's settings allow them. URLs may carry the camera's credentials (never shown back;
see `cctv_ingest.redaction`).
"""

from kentongan.outbound import PRIVATE_LANS, OutboundPolicy, UnsafeUrl, check_url
from kentongan.settings import ServiceSettings

STREAM_SCHEMES = ("rtsp", "rtsps", "http", "https")


def camera_policy(settings: ServiceSettings) -> OutboundPolicy:
    """Where camera reads may connect: the platform's policy, private LANs and stream schemes added."""
    return settings.outbound_policy().allowing(PRIVATE_LANS).with_schemes(*STREAM_SCHEMES)


def check_stream_url(url: str, field: str, settings: ServiceSettings) -> None:
    """UnsafeUrl (422 naming `field`) unless cameras may be read at `url`."""
    check_url(url, field, camera_policy(settings), credentials=True)


def stream_url_problem(url: str, settings: ServiceSettings) -> str | None:
    try:
        check_stream_url(url, "stream_url", settings)
    except UnsafeUrl as refused:
        return refused.message
    return None
