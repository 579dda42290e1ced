"""Demo data: RT representatives and Polisi RW across Semarang's 16 kecamatan, loaded through the CSV import.

Two kelurahan per kecamatan, two RWs per kelurahan and three RTs per RW, laid out around the kecamatan
centroids of `kentongan.geo`; contacts go to the development inbox unless an SMS gateway is configured.
"""

import csv
import io

import httpx

from kentongan.geo import KECAMATAN
from kentongan.security import operator_token
from kentongan.settings import ServiceSettings

KELURAHAN = {
    "Semarang Tengah": ("Pekunden", "Kembangsari"), "Semarang Utara": ("Bandarharjo", "Tanjung Mas"),
    "Semarang Timur": ("Rejosari", "Kebonagung"), "Semarang Selatan": ("Peterongan", "Lamper Kidul"),
    "Semarang Barat": ("Krobokan", "Tawangmas"), "Gayamsari": ("Sawah Besar", "Siwalan"),
    "Candisari": ("Jatingaleh", "Jomblang"), "Gajahmungkur": ("Bendan Duwur", "Lempongsari"),
    "Genuk": ("Genuksari", "Banjardowo"), "Pedurungan": ("Tlogosari Kulon", "Palebon"),
    "Tembalang": ("Tembalang", "Bulusan"), "Banyumanik": ("Srondol Wetan", "Pedalangan"),
    "Gunungpati": ("Sekaran", "Sukorejo"), "Mijen": ("Jatibarang", "Wonolopo"),
    "Ngaliyan": ("Tambakaji", "Purwoyoso"), "Tugu": ("Mangkang Kulon", "Randugarut"),
}
NAMES = ("Pak Slamet", "Bu Sri", "Pak Bambang", "Bu Wahyuni", "Pak Agus", "Bu Endang", "Pak Joko", "Bu Ratna")
COLUMNS = ["code", "name", "role", "kecamatan", "kelurahan", "rw", "rt", "lat", "lon", "language", "sms"]
STEP = 0.004  # about 450 m between neighbouring RT centroids


def _rows() -> list[dict]:
    rows, n = [], 0
    for k, (kecamatan, (lat0, lon0)) in enumerate(KECAMATAN.items()):
        for kel_index, kelurahan in enumerate(KELURAHAN[kecamatan]):
            for rw in range(1, 3):
                base_lat, base_lon = lat0 + (kel_index * 2 + rw - 2) * STEP, lon0
                prefix = f"SMG-{k + 1:02d}-{kel_index + 1}-{rw:02d}"
                rows.append(_row(f"{prefix}-POL", f"Bripka {NAMES[n % 8].split()[1]}", "polisi_rw", kecamatan,
                                 kelurahan, rw, None, base_lat, base_lon, n))
                for rt in range(1, 4):
                    n += 1
                    rows.append(_row(f"{prefix}-{rt:02d}", NAMES[n % 8], "rt", kecamatan, kelurahan, rw, rt,
                                     base_lat, base_lon + (rt - 2) * STEP, n))
    return rows


def _row(code, name, role, kecamatan, kelurahan, rw, rt, lat, lon, n) -> dict:
    return {"code": code, "name": name, "role": role, "kecamatan": kecamatan, "kelurahan": kelurahan,
            "rw": f"{rw:02d}", "rt": f"{rt:02d}" if rt else "", "lat": f"{lat:.5f}", "lon": f"{lon:.5f}",
            "language": "en" if n % 10 == 0 else "id", "sms": f"+62812{n:07d}"}


def demo_csv() -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    writer.writerows(_rows())
    return out.getvalue()


async def load(base_url: str, settings: ServiceSettings) -> None:
    """Import the demo registry into a running notifier (idempotent: rows upsert by code)."""
    headers = {"Authorization": f"Bearer {operator_token(settings, 'admin')}", "content-type": "text/csv"}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        response = await client.post("/v1/representatives/import", content=demo_csv(), headers=headers)
        response.raise_for_status()
