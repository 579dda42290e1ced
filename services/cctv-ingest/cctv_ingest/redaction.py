"""Stream credentials never leave the service: URLs are redacted before they reach an answer or a log.

Redaction parses the URL instead of matching secret-looking names (a list of names always misses one:
`access_token`, `api_key`, `sig`, `X-Amz-Signature`, ...): the userinfo is dropped, and every query value
whose name is not on a short allow-list of harmless stream selectors is replaced by `***`.
"""

import re
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

# Query parameters that only select a stream (NVR channel, substream, codec): safe to show. Anything else
# may be a credential.
SHOWN_QUERY_NAMES = frozenset({"channel", "ch", "subtype", "stream", "streamtype", "profile", "resolution",
                               "fps", "codec", "transport", "format", "camera", "cam"})
MASK = "***"
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


def redact_url(url: str) -> str:
    """The URL without its user:password, every query value not in SHOWN_QUERY_NAMES masked, no fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return MASK  # not parseable, so nothing in it can be shown safely
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port else host
    query = "&".join(f"{quote(name, safe='')}={_shown(name, value)}"
                     for name, value in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _shown(name: str, value: str) -> str:
    return quote(value, safe="") if name.lower() in SHOWN_QUERY_NAMES else MASK


def redact_text(text: str) -> str:
    """Every URL inside free text redacted (FFmpeg error messages quote the URL)."""
    return _URL.sub(lambda match: redact_url(match.group(0)), text)
