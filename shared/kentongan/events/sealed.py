"""The type of an event field that crosses the broker sealed (victim free text, reporter contacts).

Sealing and opening live in `kentongan.bus_crypto`; the field carries the key id and the sealed bytes only.
"""

from pydantic import BaseModel, ConfigDict


class SealedField(BaseModel):
    """A JSON value sealed with the bus keyring: the key id and base64(nonce || ciphertext+tag). On the broker
    only; a partner's signed webhook carries the opened value instead (a text, or for `contact` an object with
    `phone` and `email`)."""

    model_config = ConfigDict(frozen=True)

    kid: str
    box: str
