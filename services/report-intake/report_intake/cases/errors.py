from kentongan.errors import NotFound


class CaseNotFound(NotFound):
    """No case matches this id and token."""

    error = "case_not_found"


class ReportNotFound(NotFound):
    """No such report."""

    error = "report_not_found"


class CaseErased(NotFound):
    """The case was erased: nothing of it can be read any more."""

    error = "case_erased"
