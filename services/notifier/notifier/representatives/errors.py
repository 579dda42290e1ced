from kentongan.errors import NotFound, ServiceError


class InvalidCsv(ServiceError):
    """The CSV has rows that do not fit; nothing was imported."""

    status_code = 422
    error = "invalid_csv"


class RepresentativeNotFound(NotFound):
    """No representative with this code."""

    error = "representative_not_found"
