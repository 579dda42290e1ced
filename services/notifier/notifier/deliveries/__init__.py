"""The delivery log: every message to every recipient, sent at most once, with its attempts."""
