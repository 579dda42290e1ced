"""Reading the registry's CSV bulk import: one representative per row, every problem named by line and field.

Columns: code,name,role,kecamatan,kelurahan,rw,rt,lat,lon,language,whatsapp,sms,push,email,webhook (the last five are
contact channels; at least one must be filled). Unknown columns are ignored.
"""

import csv
import io

from pydantic import ValidationError

from notifier.representatives.schemas import RepresentativeIn

# In the order a representative is tried: WhatsApp, then SMS, then push (see deliveries/fallback.py).
CONTACT_COLUMNS = ("whatsapp", "sms", "push", "email", "webhook")
REQUIRED_COLUMNS = ("code", "name", "kecamatan", "kelurahan", "rw", "lat", "lon")


def _representative(row: dict[str, str]) -> dict:
    fields = {k: (v or "").strip() for k, v in row.items() if k and k not in CONTACT_COLUMNS}
    fields = {k: v for k, v in fields.items() if v != ""}
    contacts = [{"channel": c, "address": row[c].strip()} for c in CONTACT_COLUMNS if (row.get(c) or "").strip()]
    return {**fields, "contacts": contacts}


def parse(text: str) -> tuple[list[RepresentativeIn], list[dict]]:
    """The rows as representatives, and the problems found ({line, field, message})."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        return [], [{"line": 1, "field": c, "message": "missing column"} for c in missing]
    parsed, problems, seen = [], [], set()
    for line, row in enumerate(reader, start=2):
        try:
            rep = RepresentativeIn.model_validate(_representative(row))
        except ValidationError as exc:
            problems += [{"line": line, "field": ".".join(map(str, e["loc"])) or "row", "message": e["msg"]}
                         for e in exc.errors()]
            continue
        if rep.code in seen:
            problems.append({"line": line, "field": "code", "message": "repeats an earlier row"})
        seen.add(rep.code)
        parsed.append(rep)
    return parsed, problems
