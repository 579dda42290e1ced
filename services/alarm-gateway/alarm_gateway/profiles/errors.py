from kentongan.errors import Conflict, Forbidden, NotFound, TooManyRequests


class ProfileNotFound(NotFound):
    """This device has no profile yet: PUT /v1/devices/me/profile first."""

    error = "profile_not_found"


class NoCodePending(Conflict):
    """No verification code is pending (or it expired): ask for a new one."""

    error = "no_code_pending"


class WrongCode(Forbidden):
    """That code is not the one sent."""

    error = "wrong_code"


class VerificationLocked(TooManyRequests):
    """Too many wrong codes: phone verification is locked for a while."""

    error = "verification_locked"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(retry_after_s)
        self.detail = f"five wrong codes: phone verification is locked; retry after {retry_after_s} s"
