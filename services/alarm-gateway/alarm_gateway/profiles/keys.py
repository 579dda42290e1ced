"""The keys a device profile is kept and sent with, built once per app from the settings."""

from dataclasses import dataclass

from alarm_gateway.settings import Settings
from kentongan.bus_crypto import BusKeyring
from kentongan.callers import caller_keyring
from kentongan.crypto import Keyring


@dataclass(frozen=True)
class ProfileKeys:
    at_rest: Keyring  # ALARM_GATEWAY_ENCRYPTION_KEYS: the profile in this service's tables
    bus: Keyring  # KENTONGAN_CALLER_KEYS: the profile on its way to dispatch
    lookup: bytes  # ALARM_GATEWAY_LOOKUP_KEY: keyed hashes of phones and one-time codes
    sms: BusKeyring  # KENTONGAN_BUS_KEYS: phones and texts of the SMS notifier sends (device.messages.v1)

    @classmethod
    def from_settings(cls, settings: Settings) -> "ProfileKeys":
        return cls(Keyring.from_settings(settings), caller_keyring(settings),
                   settings.lookup_key.get_secret_value().encode(), BusKeyring.from_settings(settings))
