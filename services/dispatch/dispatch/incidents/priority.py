"""How urgent an incident is (1 low .. 5 highest), from the categories' priorities (kentongan.events.incidents),
and how it escalates while nobody takes it."""

from kentongan.events.incidents import CATEGORY_PRIORITY, MAX_PRIORITY

# Who an unacknowledged incident is brought to, one step per escalation period (DISPATCH_ESCALATE_AFTER_S): it
# opens in the operators' queue, then goes to the supervisor, then to the duty officer, and stays there. Each
# step is announced once (an `escalated` event); the queue shows how long the incident has waited.
ESCALATION_LADDER = ("operator", "supervisor", "duty_officer")
TOP_ESCALATION_LEVEL = len(ESCALATION_LADDER) - 1


def priority_of(category: str, silent: bool = False) -> int:
    """A silent alarm means the caller cannot speak safely: one step more urgent."""
    base = CATEGORY_PRIORITY.get(category, CATEGORY_PRIORITY["other"])
    return min(MAX_PRIORITY, base + (1 if silent else 0))


def more_urgent(category_a: str, category_b: str) -> str:
    """The category that should name a merged incident."""
    return max(category_a, category_b, key=lambda c: CATEGORY_PRIORITY.get(c, 0))
