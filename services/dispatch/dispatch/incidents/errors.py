from kentongan.errors import Conflict, NotFound


class IncidentNotFound(NotFound):
    """No such incident."""

    error = "incident_not_found"


class IncidentChanged(Conflict):
    """The incident changed since you loaded it (If-Match version differs); reload it."""

    error = "incident_changed"


class InvalidTransition(Conflict):
    """The incident is not in a state that allows this action (someone else may have acted first)."""

    error = "invalid_transition"


class AlreadyAssigned(Conflict):
    """A unit is already assigned; only a supervisor can reassign."""

    error = "already_assigned"
