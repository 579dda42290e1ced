"""The type of an event field that crosses the broker sealed (victim free text, reporter contacts).

Sealing and opening live in `kentongan.bus_crypto`; the field carries the key id and the sealed bytes only.
"""

from pydantic import BaseModel, ConfigDict


class SealedField(BaseModel):
    """A JSON value sealed with the bus keyring: the key id and base64(nonce || ciphertext+tag)."""

    model_config = ConfigDict(frozen=True)

    kid: str
    box: str
