"""Demo data: patrol units spread over Semarang's districts."""

import httpx

from kentongan.geo import KECAMATAN
from kentongan.security import operator_token
from kentongan.settings import ServiceSettings


async def load(base_url: str, settings: ServiceSettings) -> None:
    headers = {"Authorization": f"Bearer {operator_token(settings, 'supervisor', 'demo-loader')}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10) as client:
        for number, (district, (lat, lon)) in enumerate(sorted(KECAMATAN.items()), start=1):
            for kind, offset in (("car", 0.004), ("motorbike", -0.004)):
                unit = {"id": f"SMG-{number:02d}-{kind[0].upper()}", "name": f"Patroli {district} ({kind})",
                        "kind": kind, "lat": lat + offset, "lon": lon - offset}
                response = await client.post("/v1/units", json=unit)
                response.raise_for_status()
