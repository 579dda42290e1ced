from kentongan.errors import Forbidden, ServiceError


class TicketRefused(Forbidden):
    """The live ticket is invalid, expired, already used, or for another camera or user; ask for a new one."""

    error = "live_ticket_refused"


class CameraNotLive(ServiceError):
    """The camera is disabled (not read by the workers), so it cannot be watched live."""

    status_code = 409
    error = "camera_not_live"


class LiveCapacity(ServiceError):
    """This worker serves as many live cameras, or this camera as many viewers, as it may; retry shortly."""

    status_code = 503
    error = "live_capacity"

    def __init__(self, detail: str, retry_after_s: int = 5) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after_s)})


class CameraUnavailable(ServiceError):
    """The camera did not deliver video (refused, timed out, or no video stream)."""

    status_code = 502
    error = "camera_unavailable"
