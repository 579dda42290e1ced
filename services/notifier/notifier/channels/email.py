"""Email for partner agencies and supervisors: SMTP with STARTTLS, plain text with an HTML alternative. The
subject never says anything about the case or the person: it is the same for every message."""

import html
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

import aiosmtplib

from notifier.channels.base import Outgoing, SendResult

SUBJECT = "Kentongan: pemberitahuan baru / new notification"


def email_message(sender: str, message: Outgoing) -> EmailMessage:
    title, text = message.payload.get("title", "Kentongan"), message.payload.get("body", "")
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, message.target, SUBJECT
    mail["Message-ID"] = make_msgid(idstring=message.delivery_id.hex, domain="kentongan.invalid")
    mail.set_content(f"{title}\n\n{text}\n")
    paragraphs = "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n") if part)
    mail.add_alternative(f"<!doctype html><html><body><h1>{html.escape(title)}</h1>{paragraphs}</body></html>",
                         subtype="html")
    return mail


class EmailChannel:
    def __init__(self, *, host: str, port: int, sender: str, username: str | None, password: str | None,
                 ca_file: str | None, timeout_s: float) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._username, self._password, self._timeout_s = username, password, timeout_s
        self._tls = ssl.create_default_context(cafile=ca_file)

    async def send(self, message: Outgoing) -> SendResult:
        try:
            await aiosmtplib.send(email_message(self._sender, message), hostname=self._host, port=self._port,
                                  start_tls=True, tls_context=self._tls, username=self._username,
                                  password=self._password, timeout=self._timeout_s)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            return SendResult(False, None, f"recipient refused: {exc}"[:1000], permanent=True)
        except aiosmtplib.SMTPResponseException as exc:
            # 5xx is the server's final word on this message; 4xx is "try again later".
            return SendResult(False, exc.code, f"SMTP {exc.code}: {exc.message}"[:1000], permanent=exc.code >= 500)
        except (aiosmtplib.SMTPException, OSError) as exc:
            return SendResult(False, None, f"{type(exc).__name__}: {exc}"[:1000])
        return SendResult(True, 250)
