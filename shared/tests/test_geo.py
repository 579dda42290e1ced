"""The kecamatan come from the GeoJSON file shipped in the package: every centroid is its own kecamatan, a point
outside the city's bbox belongs to none, and a file the loader cannot read says why."""

import json

import pytest

from kentongan.geo import CITY_BOUNDS, KECAMATAN, OUTSIDE, kecamatan_of, load_kecamatan


def test_the_shipped_file_names_semarangs_16_kecamatan_inside_the_city():
    assert len(KECAMATAN) == 16 and "Semarang Tengah" in KECAMATAN
    south, north, west, east = CITY_BOUNDS
    for name, (lat, lon) in KECAMATAN.items():
        assert south <= lat <= north and west <= lon <= east, name
        assert kecamatan_of(lat, lon) == name


def test_a_coordinate_outside_the_city_belongs_to_no_kecamatan():
    assert kecamatan_of(-6.2, 106.8) == OUTSIDE  # Jakarta


def test_geojson_order_is_lon_lat_and_polygons_are_refused_until_supported():
    point = {"type": "FeatureCollection", "bbox": [110.0, -7.2, 110.6, -6.8], "features": [
        {"type": "Feature", "properties": {"name": "A"}, "geometry": {"type": "Point", "coordinates": [110.4, -7.0]}}]}
    assert load_kecamatan(json.dumps(point)) == ({"A": (-7.0, 110.4)}, (-7.2, -6.8, 110.0, 110.6))
    point["features"][0]["geometry"] = {"type": "Polygon", "coordinates": []}
    with pytest.raises(ValueError, match="A: only Point"):
        load_kecamatan(json.dumps(point))
