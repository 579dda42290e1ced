"""Reading camera lists from CSV or GeoJSON into validated CameraCreate rows."""

import csv
import io

import orjson
from pydantic import ValidationError

from cctv_ingest.cameras.errors import ImportRejected
from cctv_ingest.cameras.schemas import CameraCreate

CSV_COLUMNS = ("id", "name", "lat", "lon", "kecamatan", "kelurahan", "rt", "stream_url", "priority", "enabled")
CSV_FIRST_ROW = 2  # CSV rows are named by their line (the header is line 1); GeoJSON features by their index


def from_csv(text: str) -> list[CameraCreate]:
    """Rows of a CSV with a header naming CSV_COLUMNS (kecamatan..enabled optional)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"id", "name", "lat", "lon", "stream_url"} - set(reader.fieldnames or ())
    if missing:
        raise ImportRejected(f"CSV header lacks: {', '.join(sorted(missing))}")
    return [_validated(line, {k: v for k, v in row.items() if k and v not in (None, "")})
            for line, row in enumerate(reader, start=CSV_FIRST_ROW)]


def from_geojson(content: bytes) -> list[CameraCreate]:
    """Point features of a FeatureCollection; properties carry every field but lat/lon."""
    try:
        document = orjson.loads(content)
        features = document["features"]
    except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
        raise ImportRejected("expected a GeoJSON FeatureCollection") from exc
    if not isinstance(features, list):
        raise ImportRejected([{"row": None, "field": "features",
                               "message": "must be a list of Point features"}])
    return [_validated(index, _feature_fields(index, feature)) for index, feature in enumerate(features)]


def _feature_fields(index: int, feature: object) -> dict:
    if not isinstance(feature, dict):
        raise ImportRejected([{"row": index, "field": "feature",
                               "message": "must be a GeoJSON Feature object"}])
    try:
        lon, lat = feature["geometry"]["coordinates"][:2]
    except (KeyError, TypeError, ValueError) as exc:
        raise ImportRejected(f"feature {index}: geometry must be a Point") from exc
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise ImportRejected([{"row": index, "field": "properties", "message": "must be an object"}])
    return {**properties, "lat": lat, "lon": lon}


def _validated(where: int, fields: dict) -> CameraCreate:
    try:
        return CameraCreate.model_validate(fields)
    except ValidationError as exc:
        problems = [{"row": where, "field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                    for e in exc.errors()]
        raise ImportRejected(problems) from None
