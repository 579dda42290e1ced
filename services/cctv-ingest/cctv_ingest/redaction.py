"""Stream credentials never leave the service: URLs are redacted before they reach an answer or a log."""

import re
from urllib.parse import urlsplit, urlunsplit

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s'\"]+@")
_SECRET_QUERY = re.compile(r"(?i)\b(password|passwd|pass|pwd|token|key|secret|auth)=[^&\s'\"]+")


def redact_url(url: str) -> str:
    """The URL with its user:password replaced by `***` and secret-looking query values masked."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        parts = parts._replace(netloc=f"***@{host}")
    return _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=***", urlunsplit(parts))


def redact_text(text: str) -> str:
    """Any URL credentials inside free text (FFmpeg error messages quote the URL)."""
    return _SECRET_QUERY.sub(lambda m: f"{m.group(1)}=***", _USERINFO.sub(r"\g<scheme>***@", text))
