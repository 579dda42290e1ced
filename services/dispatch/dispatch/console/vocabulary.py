"""The incident vocabulary the console shows, from the one in kentongan.events.incidents: statuses and categories
in their order, what each status may become, which categories are withheld, and their labels in each language.

The page reads it from /console/config.json, so a status or category added to the model reaches the console here
or fails dispatch's tests (tests/console/test_vocabulary.py), never silently shows a raw name.
"""

from kentongan.events.incidents import (
    ACTIVE_STATUSES,
    CATEGORY_PRIORITY,
    CLOSED_STATUSES,
    INCIDENT_CATEGORIES,
    INCIDENT_STATUSES,
    SENSITIVE_CATEGORIES,
    STATUS_TRANSITIONS,
)

LABELS: dict[str, dict[str, dict[str, str]]] = {
    "id": {
        "statuses": {"open": "baru", "acknowledged": "diterima", "assigned": "unit dikirim",
                     "en_route": "dalam perjalanan", "on_scene": "di lokasi", "resolved": "selesai",
                     "cancelled": "dibatalkan"},
        "categories": {"sexual_violence": "Kekerasan seksual", "child_abuse": "Kekerasan anak",
                       "violence": "Kekerasan", "domestic_violence": "KDRT", "fire": "Kebakaran",
                       "medical": "Medis", "crime": "Kejahatan", "bullying": "Perundungan", "other": "Lainnya"},
    },
    "en": {
        "statuses": {"open": "open", "acknowledged": "acknowledged", "assigned": "assigned", "en_route": "en route",
                     "on_scene": "on scene", "resolved": "resolved", "cancelled": "cancelled"},
        "categories": {"sexual_violence": "Sexual violence", "child_abuse": "Child abuse", "violence": "Violence",
                       "domestic_violence": "Domestic violence", "fire": "Fire", "medical": "Medical",
                       "crime": "Crime", "bullying": "Bullying", "other": "Other"},
    },
}


def console_vocabulary() -> dict[str, object]:
    """The vocabulary part of /console/config.json (lists keep the model's order)."""
    return {
        "statuses": list(INCIDENT_STATUSES),
        "active": list(ACTIVE_STATUSES),
        "closed": [status for status in INCIDENT_STATUSES if status in CLOSED_STATUSES],
        "transitions": {to: [status for status in INCIDENT_STATUSES if status in allowed]
                        for to, allowed in STATUS_TRANSITIONS.items()},
        "categories": list(INCIDENT_CATEGORIES),
        "sensitive": [category for category in INCIDENT_CATEGORIES if category in SENSITIVE_CATEGORIES],
        "priorities": {category: CATEGORY_PRIORITY[category] for category in INCIDENT_CATEGORIES},
        "labels": LABELS,
    }
