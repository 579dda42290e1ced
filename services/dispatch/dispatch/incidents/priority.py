"""How urgent an incident is (1 low .. 5 highest). Rules as data, so the Command Center can tune them."""

MAX_PRIORITY = 5

CATEGORY_PRIORITY = {
    "sexual_violence": 4,
    "child_abuse": 4,
    "violence": 4,
    "domestic_violence": 4,
    "fire": 4,
    "medical": 4,
    "crime": 3,
    "bullying": 3,
    "other": 2,
}

# Who an unacknowledged incident is brought to, one step per escalation period (DISPATCH_ESCALATE_AFTER_S): it
# opens in the operators' queue, then goes to the supervisor, then to the duty officer, and stays there. Each
# step is announced once (an `escalated` event); the queue shows how long the incident has waited.
ESCALATION_LADDER = ("operator", "supervisor", "duty_officer")
TOP_ESCALATION_LEVEL = len(ESCALATION_LADDER) - 1

# Categories whose alarm notes only supervisors and admins may read (victim privacy).
SENSITIVE_CATEGORIES = frozenset({"sexual_violence", "child_abuse", "domestic_violence"})


def priority_of(category: str, silent: bool = False) -> int:
    """A silent alarm means the caller cannot speak safely: one step more urgent."""
    base = CATEGORY_PRIORITY.get(category, CATEGORY_PRIORITY["other"])
    return min(MAX_PRIORITY, base + (1 if silent else 0))


def more_urgent(category_a: str, category_b: str) -> str:
    """The category that should name a merged incident."""
    return max(category_a, category_b, key=lambda c: CATEGORY_PRIORITY.get(c, 0))
