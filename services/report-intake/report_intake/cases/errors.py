from kentongan.errors import NotFound


class CaseErased(NotFound):
    """The case was erased: nothing of it can be read any more."""

    error = "case_erased"
