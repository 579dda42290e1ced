"""The sealed part of a report: the story and everything that could identify someone."""

from kentongan.datakeys import Sealer
from report_intake.cases.errors import CaseErased
from report_intake.cases.schemas import Contact
from report_intake.crypto import open_json
from report_intake.models import Report


def open_report(keyring: Sealer, report: Report) -> dict:
    """The decrypted private fields (narrative, occurred_at, location, victim, perpetrator_relation, school,
    contact); callers write the read to the audit log."""
    if report.key_id is None or report.sealed is None:
        raise CaseErased()
    return open_json(keyring, report.key_id, report.sealed, report.id.bytes)


def reachable_contact(report: Report, private: dict) -> Contact | None:
    """The reporter's contact, only if they asked to be contacted and said it is safe to."""
    contact = private.get("contact")
    if report.consent_contact and contact and contact.get("safe_to_contact"):
        return Contact.model_validate(contact)
    return None
