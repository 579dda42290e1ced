"""Geography of Semarang: distances and the district (kecamatan) of a coordinate."""

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE_LAT = 111_320.0  # a degree of latitude, near enough everywhere for a pre-filter

# Approximate centroids of Semarang's 16 kecamatan (lat, lon).
KECAMATAN: dict[str, tuple[float, float]] = {
    "Semarang Tengah": (-6.9785, 110.4180),
    "Semarang Utara": (-6.9620, 110.4100),
    "Semarang Timur": (-6.9800, 110.4350),
    "Semarang Selatan": (-6.9960, 110.4260),
    "Semarang Barat": (-6.9850, 110.3850),
    "Gayamsari": (-6.9930, 110.4480),
    "Candisari": (-7.0120, 110.4220),
    "Gajahmungkur": (-7.0150, 110.4060),
    "Genuk": (-6.9700, 110.4800),
    "Pedurungan": (-7.0050, 110.4700),
    "Tembalang": (-7.0530, 110.4380),
    "Banyumanik": (-7.0650, 110.4150),
    "Gunungpati": (-7.0800, 110.3700),
    "Mijen": (-7.0450, 110.3100),
    "Ngaliyan": (-7.0000, 110.3450),
    "Tugu": (-6.9750, 110.3300),
}
# The city's bounding box; coordinates outside belong to no kecamatan.
CITY_BOUNDS = (-7.16, -6.90, 110.25, 110.52)
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
