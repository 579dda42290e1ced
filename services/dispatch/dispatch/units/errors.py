from kentongan.errors import Conflict, NotFound


class UnitNotFound(NotFound):
    """No such patrol unit."""

    error = "unit_not_found"


class UnitUnavailable(Conflict):
    """The unit is busy or off duty."""

    error = "unit_unavailable"
