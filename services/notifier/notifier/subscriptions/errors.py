from kentongan.errors import NotFound, ServiceError


class UnknownEventTypes(ServiceError):
    """Partners may subscribe only to partner event types."""

    status_code = 422
    error = "invalid_event_types"


class SubscriptionNotFound(NotFound):
    """No such subscription for this partner."""

    error = "subscription_not_found"
