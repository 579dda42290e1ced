from kentongan.errors import Conflict, NotFound


class DeliveryNotFound(NotFound):
    """No such delivery for this partner."""

    error = "delivery_not_found"


class DeliveryNotReplayable(Conflict):
    """This delivery is being sent or was delivered; only failed ones can be replayed."""

    error = "delivery_not_replayable"
