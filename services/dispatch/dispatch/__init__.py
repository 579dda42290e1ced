"""dispatch: incidents, the operators' queue and live stream, unit assignment, escalation."""
