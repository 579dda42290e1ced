"""What operators (and the system, quoting callers) write on an incident is kept sealed with dispatch's keyring
(kentongan.crypto): a note's text bound to its incident and author, an incident's outcome bound to the
incident. Opened only to answer whoever may read them."""

from datetime import UTC, datetime
from uuid import UUID

from dispatch.incidents.schemas import Note
from dispatch.models import Incident, IncidentNote
from kentongan.crypto import Keyring, associated_data, open_text, seal_text


def note_aad(incident_id: UUID, author: str) -> bytes:
    return associated_data("dispatch.incident_note", incident_id, author)


def outcome_aad(incident_id: UUID) -> bytes:
    return associated_data("dispatch.incident_outcome", incident_id)


def new_note(keyring: Keyring, incident_id: UUID, author: str, text: str) -> IncidentNote:
    """A note to add to the session, its text sealed."""
    key_id, sealed = seal_text(keyring, text, note_aad(incident_id, author))
    return IncidentNote(incident_id=incident_id, author=author, text_key_id=key_id, text_sealed=sealed,
                        created_at=datetime.now(UTC))


def opened_note(keyring: Keyring, note: IncidentNote) -> Note:
    text = open_text(keyring, note.text_key_id, note.text_sealed, note_aad(note.incident_id, note.author))
    return Note(id=note.id, author=note.author, text=text or "", created_at=note.created_at)


def set_outcome(keyring: Keyring, incident: Incident, outcome: str | None) -> None:
    """Seal (or, with None, clear) the incident's outcome."""
    incident.outcome_key_id, incident.outcome_sealed = seal_text(keyring, outcome, outcome_aad(incident.id))


def outcome_of(keyring: Keyring, incident: Incident) -> str | None:
    return open_text(keyring, incident.outcome_key_id, incident.outcome_sealed, outcome_aad(incident.id))
