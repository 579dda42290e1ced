"""How notifier's alerts about each incident went (`deliveries.v1`), counted per channel and state."""
