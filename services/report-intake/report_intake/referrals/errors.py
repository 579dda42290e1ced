from kentongan.errors import Conflict, NotFound


class ReferralNotFound(NotFound):
    """No such referral for this agency."""

    error = "referral_not_found"


class ReferralStateConflict(Conflict):
    """The referral is not in a state that allows this step."""

    error = "referral_state_conflict"
