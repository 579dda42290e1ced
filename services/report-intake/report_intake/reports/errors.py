from kentongan.errors import Conflict


class NothingToRelease(Conflict):
    """The case already went to these agencies, or there is no agency to send it to."""

    error = "nothing_to_release"

