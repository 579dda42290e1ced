from kentongan.errors import Forbidden


class WrongPin(Forbidden):
    """That PIN does not cancel this device's alarms."""

    error = "wrong_pin"


class PinRequired(Forbidden):
    """This device cancels alarms with a PIN: send `pin`."""

    error = "pin_required"
