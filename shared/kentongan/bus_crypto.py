"""Sealed event fields: victim free text and reporter contacts cross the broker sealed, never in clear.

An event field of type `SealedField` holds a JSON value sealed (AES-256-GCM, kentongan.crypto) with the *bus
keyring*, one keyring shared by the services that must read each other's sealed fields (report-intake seals,
notifier opens). It is platform-wide on purpose (`KENTONGAN_BUS_KEYS`, `KENTONGAN_BUS_ACTIVE_KEY_ID`, no
service prefix): both sides must hold the same keys, and a service's own at-rest keyring stays its own.
The associated data binds a sealed value to its topic, its event type, its subject (the entity id the event is
keyed by) and its field name, so a value copied into another event, entity or field fails to open.
"""

import base64
from typing import Any, Self

import orjson
from pydantic import AliasChoices, Field, SecretStr, model_validator

from kentongan.crypto import Keyring, Sealed, development_keys, parse_keys
from kentongan.events.envelope import Envelope, EventModel
from kentongan.events.sealed import SealedField
from kentongan.settings import ServiceSettings

BUS_KEYS = "KENTONGAN_BUS_KEYS"


class BusSealingSettings(ServiceSettings):
    """Settings of a service that seals or opens event fields: the bus keyring, `kid:base64key,...` (older
    keys stay listed while events sealed with them may still be read), and the key new values are sealed with.
    The default is a development key, which production refuses like any other placeholder."""

    bus_keys: SecretStr = Field(development_keys("bus"), validation_alias=AliasChoices(BUS_KEYS))
    bus_active_key_id: str = Field("dev-only", validation_alias=AliasChoices("KENTONGAN_BUS_ACTIVE_KEY_ID"))

    @model_validator(mode="after")
    def _bus_keyring_is_usable(self) -> Self:
        BusKeyring.from_settings(self)  # raises ValueError naming what is wrong
        return self

    def secret_values(self) -> dict[str, str]:
        return {**super().secret_values(), BUS_KEYS: self.bus_keys.get_secret_value()}

    def keyrings(self) -> dict[str, str]:
        # Checked key by key like a service's own keyring: a development key under another id is refused too.
        return {**super().keyrings(), BUS_KEYS: self.bus_keys.get_secret_value()}


class BusKeyring:
    """Seals event fields for the broker and opens them on the other side."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring

    @classmethod
    def from_settings(cls, settings: BusSealingSettings) -> "BusKeyring":
        keys = parse_keys(settings.bus_keys.get_secret_value(), BUS_KEYS)
        return cls(Keyring(keys, settings.bus_active_key_id, BUS_KEYS))

    def seal(self, event: type[EventModel], subject: object, field: str, value: Any) -> SealedField:
        """`value` (anything JSON-able) sealed for `field` of an `event` keyed by `subject`."""
        sealed = self._keyring.seal(orjson.dumps(value), _aad(event.topic, event.ce_type, str(subject), field))
        return SealedField(kid=sealed.key_id, box=base64.b64encode(sealed.blob).decode())

    def open(self, envelope: Envelope, field: str) -> Any:
        """The value of the envelope's sealed `field` (None when the field is empty); raises InvalidTag when it
        was sealed for another event, entity or field."""
        sealed = getattr(envelope.data, field)
        if sealed is None:
            return None
        blob = base64.b64decode(sealed.box)
        aad = _aad(envelope.topic, envelope.type, envelope.subject, field)
        return orjson.loads(self._keyring.open(Sealed(sealed.kid, blob), aad))

    def opened_data(self, envelope: Envelope) -> dict[str, Any]:
        """The event's data as JSON with every sealed field opened: what a partner receives in its signed
        webhook."""
        data = envelope.data.model_dump(mode="json")
        for field, value in envelope.data:
            if isinstance(value, SealedField):
                data[field] = self.open(envelope, field)
        return data


def _aad(topic: str, event_type: str, subject: str, field: str) -> bytes:
    return f"{topic}|{event_type}|{subject}|{field}".encode()
