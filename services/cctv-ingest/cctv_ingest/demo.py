"""Demo data: 11,000 cameras spread over Semarang's 16 kecamatan, imported through the API as CSV.

Their stream URLs point at `.invalid` hosts, so they are registered disabled: the map, nearby search and
health counts work at once; enable a camera after pointing it at a real stream.
"""

import csv
import io
import random

import httpx

from cctv_ingest.cameras.importers import CSV_COLUMNS
from kentongan.geo import KECAMATAN
from kentongan.security import operator_token
from kentongan.settings import ServiceSettings

SPREAD_DEG = 0.012  # ~1.3 km around each kecamatan centroid


def demo_csv(count: int, seed: int = 5) -> str:
    """A CSV of `count` cameras, evenly shared among the kecamatan."""
    rng = random.Random(seed)  # noqa: S311 # reproducible demo data
    areas = sorted(KECAMATAN)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for index in range(count):
        area = areas[index % len(areas)]
        lat, lon = KECAMATAN[area]
        writer.writerow([
            f"smg-{index:05d}", f"CCTV {area} {index // len(areas) + 1}",
            round(lat + rng.gauss(0, SPREAD_DEG), 6), round(lon + rng.gauss(0, SPREAD_DEG), 6), area,
            f"Kelurahan {rng.randint(1, 12)}", f"{rng.randint(1, 15):03d}",
            f"rtsp://viewer:demo-pass@cam-{index:05d}.cctv.invalid:554/Streaming/Channels/102",
            9 if index % 500 == 0 else rng.randint(0, 5), "false",
        ])
    return out.getvalue()


async def load(base_url: str, settings: ServiceSettings, count: int = 11_000) -> None:
    token = operator_token(settings, "admin", "demo-loader")
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        response = await client.post("/v1/cameras/import", content=demo_csv(count).encode(),
                                      headers={"Authorization": f"Bearer {token}", "content-type": "text/csv"})
        response.raise_for_status()
