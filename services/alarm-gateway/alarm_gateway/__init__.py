"""alarm-gateway: panic alarms from the mobile app (raise, live location, cancel, status)."""
