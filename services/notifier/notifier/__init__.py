"""notifier: the digital kentongan, citizen updates and partner-agency webhooks."""
