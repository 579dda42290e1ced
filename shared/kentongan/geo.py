"""Geography of Semarang: distances and the district (kecamatan) of a coordinate."""

import json
from importlib.resources import files
from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_320.0  # a degree of latitude, near enough everywhere for a pre-filter

# The kecamatan and the city's bounds, from a GeoJSON file shipped in the package (kentongan/data). Today each
# kecamatan is its approximate centroid (a Point) and a coordinate belongs to the nearest; boundary polygons can
# replace the points in the file without changing what callers read.
KECAMATAN_FILE = "kecamatan.geojson"


def load_kecamatan(text: str) -> tuple[dict[str, tuple[float, float]], tuple[float, float, float, float]]:
    """The (lat, lon) centroid of each kecamatan by name, and the city's (south, north, west, east) bounds, from
    a GeoJSON FeatureCollection of named Points with a `bbox`."""
    collection = json.loads(text)
    centroids: dict[str, tuple[float, float]] = {}
    for feature in collection["features"]:
        if feature["geometry"]["type"] != "Point":
            raise ValueError(f"{feature['properties']['name']}: only Point kecamatan are supported")
        lon, lat = feature["geometry"]["coordinates"]
        centroids[feature["properties"]["name"]] = (lat, lon)
    west, south, east, north = collection["bbox"]
    return centroids, (south, north, west, east)


# Semarang's 16 kecamatan (lat, lon) and the city's bounding box; coordinates outside belong to no kecamatan.
KECAMATAN, CITY_BOUNDS = load_kecamatan(files("kentongan.data").joinpath(KECAMATAN_FILE).read_text("utf-8"))
OUTSIDE = "luar-semarang"


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    dlat, dlon = radians(lat2 - lat1), radians(lon2 - lon1)
    a = sin(dlat / 2) ** 2 + cos(radians(lat1)) * cos(radians(lat2)) * sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(sqrt(a))


def kecamatan_of(lat: float, lon: float) -> str:
    """The nearest kecamatan centroid inside the city, or OUTSIDE."""
    south, north, west, east = CITY_BOUNDS
    if not (south <= lat <= north and west <= lon <= east):
        return OUTSIDE
    return min(KECAMATAN, key=lambda name: haversine_m(lat, lon, *KECAMATAN[name]))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing a circle, for an index-friendly pre-filter."""
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlon = radius_m / (METRES_PER_DEGREE_LAT * max(cos(radians(lat)), 1e-6))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
