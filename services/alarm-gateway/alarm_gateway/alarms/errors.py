from kentongan.errors import Conflict, Forbidden, NotFound


class AlarmNotFound(NotFound):
    """No such alarm for this device."""

    error = "alarm_not_found"


class AlarmIdTaken(Conflict):
    """This alarm id is already used by another device; generate a new one."""

    error = "alarm_id_taken"


class AlarmClosed(Conflict):
    """The alarm is already resolved or cancelled."""

    error = "alarm_closed"


class DeviceBlocked(Forbidden):
    """The Command Center has blocked this device's alarms; in an emergency call 110."""

    error = "device_blocked"
