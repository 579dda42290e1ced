from kentongan.errors import Unauthorized


class BadSignature(Unauthorized):
    """The Standard Webhooks signature is missing, stale or wrong."""

    error = "bad_signature"
