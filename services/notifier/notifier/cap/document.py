"""Building CAP 1.2 `<alert>` documents and the Atom feed that lists them.

Public alerting systems read these, so they say no more than the RT broadcast does and less where a victim could
be found: no category of a sexual-violence, child-abuse or domestic-violence alarm (nor of a silent one), and
never the coordinate — the `<circle>` is centred on a rounded point, wide enough to hold the true one.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from xml.etree.ElementTree import Element, SubElement, tostring

from kentongan.events.incidents import SENSITIVE_CATEGORIES

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
WIB = timezone(timedelta(hours=7))
CAP_CATEGORY = {"fire": "Fire", "medical": "Health", "crime": "Security", "violence": "Security"}
EVENT = {
    "id": {"fire": "Kebakaran", "medical": "Darurat medis", "crime": "Tindak kejahatan", "violence": "Kekerasan",
           "other": "Kejadian darurat"},
    "en": {"fire": "Fire", "medical": "Medical emergency", "crime": "Crime", "violence": "Violence",
           "other": "Emergency"},
}
INSTRUCTION = {"id": "Tetap waspada, beri jalan bagi petugas dan ikuti arahan mereka.",
               "en": "Stay alert, make way for officers and follow their instructions."}
CLEARED = {"id": "Kejadian telah ditangani.", "en": "The incident has been dealt with."}
LANGUAGES = (("id", "id-ID"), ("en", "en-US"))


@dataclass(frozen=True)
class AlertFacts:
    """What a CAP alert may say about an incident (already victim-safe)."""

    identifier: str
    sender: str
    sent: datetime
    msg_type: str  # "Alert" | "Update" | "Cancel"
    references: str | None
    category: str  # the incident's category, or "other" when it must not be named
    severity: str  # "Severe" | "Moderate"
    area_desc: str
    lat: float
    lon: float
    radius_km: float
    all_clear: bool = False


def cap_time(at: datetime) -> str:
    """CAP's dateTime: seconds, an explicit offset (WIB), no fractions."""
    return at.astimezone(WIB).replace(microsecond=0).isoformat()


def public_category(category: str, silent: bool) -> str:
    if silent or category in SENSITIVE_CATEGORIES or category not in CAP_CATEGORY:
        return "other"
    return category


def coarse_circle(lat: float, lon: float, radius_m: float, vague: bool) -> tuple[float, float, float]:
    """A circle that holds the incident without pointing at it: the centre rounded to ~1.1 km (to ~2.2 km when
    nothing may be told), the radius widened by the rounding."""
    step = 0.02 if vague else 0.01
    centre_lat, centre_lon = round(round(lat / step) * step, 4), round(round(lon / step) * step, 4)
    slack_km = step * 111.32 * 0.75  # half the diagonal of a rounding cell, at most
    return centre_lat, centre_lon, round(radius_m / 1000 + slack_km, 1)


def _text(parent: Element, tag: str, text: str) -> Element:
    element = SubElement(parent, tag)
    element.text = text
    return element


def alert_xml(facts: AlertFacts) -> str:
    alert = Element("alert", {"xmlns": CAP_NS})
    for tag, value in (("identifier", facts.identifier), ("sender", facts.sender), ("sent", cap_time(facts.sent)),
                       ("status", "Actual"), ("msgType", facts.msg_type), ("scope", "Public")):
        _text(alert, tag, value)
    if facts.references:
        _text(alert, "references", facts.references)
    for lang, code in LANGUAGES:
        info = SubElement(alert, "info")
        _text(info, "language", code)
        _text(info, "category", CAP_CATEGORY.get(facts.category, "Safety"))
        _text(info, "event", EVENT[lang][facts.category])
        _text(info, "responseType", "AllClear" if facts.all_clear or facts.msg_type == "Cancel" else "Monitor")
        _text(info, "urgency", "Past" if facts.all_clear else "Immediate")
        _text(info, "severity", "Minor" if facts.all_clear else facts.severity)
        _text(info, "certainty", "Observed" if facts.all_clear else "Likely")
        _text(info, "senderName", "Kentongan - Pusat Komando Semarang")
        _text(info, "headline", headline(facts, lang))
        _text(info, "instruction", CLEARED[lang] if facts.all_clear else INSTRUCTION[lang])
        area = SubElement(info, "area")
        _text(area, "areaDesc", facts.area_desc)
        _text(area, "circle", f"{facts.lat},{facts.lon} {facts.radius_km}")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(alert, encoding="unicode")


def headline(facts: AlertFacts, lang: str = "id") -> str:
    event = EVENT[lang][facts.category]
    if facts.all_clear or facts.msg_type == "Cancel":
        return f"{event}: {'selesai' if lang == 'id' else 'over'} ({facts.area_desc})"[:160]
    return f"{event} - {facts.area_desc}"[:160]


@dataclass(frozen=True)
class FeedEntry:
    alert_id: str
    identifier: str
    headline: str
    sent: datetime
    msg_type: str


def atom_feed(entries: list[FeedEntry], base_url: str, updated: datetime) -> str:
    """An Atom feed of CAP alerts, newest first; each entry links its CAP document."""
    feed = Element("feed", {"xmlns": ATOM_NS})
    _text(feed, "id", f"{base_url}/v1/cap/alerts.atom")
    _text(feed, "title", "Kentongan - peringatan CAP / CAP alerts (Semarang)")
    _text(feed, "updated", updated.astimezone(WIB).replace(microsecond=0).isoformat())
    SubElement(feed, "link", {"rel": "self", "href": f"{base_url}/v1/cap/alerts.atom"})
    author = SubElement(feed, "author")
    _text(author, "name", "Kentongan - Pusat Komando Semarang")
    for entry in entries:
        item = SubElement(feed, "entry")
        _text(item, "id", entry.identifier)
        _text(item, "title", entry.headline)
        _text(item, "updated", entry.sent.astimezone(WIB).replace(microsecond=0).isoformat())
        _text(item, "summary", f"{entry.msg_type}: {entry.headline}")
        SubElement(item, "link", {"rel": "alternate", "type": "application/cap+xml",
                                  "href": f"{base_url}/v1/cap/alerts/{entry.alert_id}.xml"})
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(feed, encoding="unicode")
