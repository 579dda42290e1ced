"""Data files shipped with the library (package data): the kecamatan of Semarang (GeoJSON)."""
