"""Email over SMTP with STARTTLS against a local aiosmtpd server: plain text and HTML, a subject that says
nothing about the case."""

import datetime
import ssl
from email import message_from_bytes, policy
from uuid import uuid4

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kentongan.dev.stack import free_port
from notifier.channels.base import Outgoing
from notifier.channels.email import SUBJECT, EmailChannel


def _self_signed(tmp_path):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class Inbox:
    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((session.ssl is not None, envelope))
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp(tmp_path):
    cert_file, key_file = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox = Inbox()
    controller = Controller(inbox, hostname="localhost", port=free_port(), tls_context=context, require_starttls=True)
    controller.start()
    yield inbox, controller.port, str(cert_file)
    controller.stop()


async def test_email_goes_over_starttls_with_plain_html_and_a_blank_subject(smtp):
    inbox, port, ca_file = smtp
    channel = EmailChannel(host="localhost", port=port, sender="kentongan@semarangkota.go.id", username=None,
                           password=None, ca_file=ca_file, timeout_s=5)
    payload = {"title": "Kentongan: kekerasan", "body": "Ada laporan <kekerasan> di Kel. Sekayu.\n\nA report."}
    result = await channel.send(Outgoing(uuid4(), "email", "dp3a@semarangkota.go.id", payload))
    assert result.ok
    encrypted, envelope = inbox.messages[-1]
    assert encrypted and envelope.rcpt_tos == ["dp3a@semarangkota.go.id"]
    mail = message_from_bytes(envelope.content, policy=policy.default)
    assert mail["Subject"] == SUBJECT and "kekerasan" not in SUBJECT
    plain, html = mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()
    assert "Ada laporan <kekerasan> di Kel. Sekayu." in plain
    assert "&lt;kekerasan&gt;" in html and "<kekerasan>" not in html


async def test_a_refused_recipient_is_a_final_failure(smtp):
    _, port, ca_file = smtp
    channel = EmailChannel(host="localhost", port=port, sender="k@semarangkota.go.id", username=None, password=None,
                           ca_file=ca_file, timeout_s=5)
    result = await channel.send(Outgoing(uuid4(), "email", "nobody@semarangkota.go.id", {"title": "t", "body": "b"}))
    assert not result.ok and result.permanent
