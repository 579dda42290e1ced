from kentongan.errors import Conflict, NotFound


class CaseNotFound(NotFound):
    """No case matches this id and token."""

    error = "case_not_found"


class ReportNotFound(NotFound):
    """No such report."""

    error = "report_not_found"


class NothingToRelease(Conflict):
    """The case already went to these agencies, or there is no agency to send it to."""

    error = "nothing_to_release"

