from kentongan.errors import NotFound, ServiceError


class CamerasUnavailable(ServiceError):
    """cctv-ingest did not answer; camera views are unavailable for now."""

    status_code = 502
    error = "cameras_unavailable"


class NotProxied(NotFound):
    """The console proxies only nearby cameras, camera health and snapshots."""

    error = "not_proxied"
