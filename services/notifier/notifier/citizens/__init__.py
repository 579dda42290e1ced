"""Citizen updates: the device that raised an alarm hears how help is coming."""
