"""Message templates, kept as data in `templates.json` (per message kind, per language).

A message is written in the recipient's language first and the other language second, so a
representative who reads only Bahasa Indonesia, or only English, understands it.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("id", "en")
TEMPLATES_FILE = Path(__file__).with_name("templates.json")


@cache
def _templates() -> dict[str, Any]:
    return json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))


def category_label(category: str, language: str) -> str:
    labels = _templates()["categories"][language]
    return labels.get(category, labels["other"])


def _ordered(language: str) -> list[str]:
    first = language if language in LANGUAGES else LANGUAGES[0]
    return [first, *(lang for lang in LANGUAGES if lang != first)]


def render(kind: str, language: str = "id", fields: dict[str, str] | None = None,
           category: str | None = None) -> dict[str, str]:
    """{"title", "body"} of a message kind, the preferred language first and the other one after it."""
    texts = _templates()["messages"][kind]
    parts = []
    for lang in _ordered(language):
        values = dict(fields or {})
        if category is not None:
            values["category"] = category_label(category, lang)
        parts.append({key: text.format_map(values) for key, text in texts[lang].items()})
    rendered = {"title": parts[0]["title"], "body": "\n\n".join(part["body"] for part in parts)}
    sms = sms_text(kind, language, fields, category)
    if sms is not None:
        rendered["sms"] = sms
    return rendered


def sms_text(kind: str, language: str = "id", fields: dict[str, str] | None = None,
             category: str | None = None) -> str | None:
    """The one-segment SMS of a message kind, in the recipient's language only (an SMS of both languages would
    take two or three segments, which arrive late or out of order on cheap phones); None if it has none."""
    texts = _templates().get("sms", {}).get(kind)
    if texts is None:
        return None
    lang = _ordered(language)[0]
    values = dict(fields or {})
    if category is not None:
        values["category"] = category_label(category, lang)
    return texts[lang].format_map(values)
