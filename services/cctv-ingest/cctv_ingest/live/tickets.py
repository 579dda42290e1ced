"""Live tickets: a <video> element cannot send an Authorization header, so the playback URL carries a short,
signed ticket bound to one camera, one user and one live session (its audit row).

`<base64url JSON>.<base64url HMAC-SHA256>` with CCTV_INGEST_LIVE_TICKET_KEY; the JSON holds the session id,
camera id, user and expiry (Unix seconds). Nothing in it is secret, only unforgeable.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from cctv_ingest.live.errors import TicketRefused

CONTEXT = b"kentongan-live-ticket-v1."  # a signature made for anything else never verifies here


@dataclass(frozen=True)
class Ticket:
    session_id: UUID
    camera_id: str
    subject: str
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, body: str) -> bytes:
    return hmac.new(key, CONTEXT + body.encode(), hashlib.sha256).digest()


def sign(ticket: Ticket, key: bytes) -> str:
    body = _b64(json.dumps({"s": str(ticket.session_id), "c": ticket.camera_id, "u": ticket.subject,
                            "e": int(ticket.expires_at.timestamp())}, separators=(",", ":")).encode())
    return f"{body}.{_b64(_mac(key, body))}"


def verify(text: str, key: bytes, camera_id: str, now: datetime | None = None) -> Ticket:
    """The ticket if its signature holds, it has not expired and it is for `camera_id`; else TicketRefused."""
    body, _, signature = text.partition(".")
    try:
        valid = hmac.compare_digest(_unb64(signature), _mac(key, body))
        claims = json.loads(_unb64(body)) if valid else None
        ticket = Ticket(UUID(claims["s"]), str(claims["c"]), str(claims["u"]),
                        datetime.fromtimestamp(int(claims["e"]), UTC)) if claims else None
    except (ValueError, TypeError, KeyError):
        ticket = None
    if ticket is None:
        raise TicketRefused("live ticket: invalid signature")
    if (now or datetime.now(UTC)) >= ticket.expires_at:
        raise TicketRefused("live ticket: expired before the stream started; ask for a new one")
    if ticket.camera_id != camera_id:
        raise TicketRefused("live ticket: issued for another camera")
    return ticket
