"""Demo data for `make run`: a few reports that exercise triage (DP3A, Disdik, both, consent withheld)."""

import httpx

from report_intake.settings import Settings

DEMO_REPORTS = [
    {"category": "domestic_violence", "narrative": "Tetangga saya sering dipukul suaminya, terdengar setiap malam.",
     "location": {"kelurahan": "Tembalang", "kecamatan": "Tembalang"},
     "victim": {"age_group": "adult", "gender": "female", "is_reporter": False},
     "perpetrator_relation": "partner", "anonymous": True,
     "consent": {"share_with_agencies": True, "contact_me": False}},
    {"category": "bullying", "narrative": "Anak saya dirundung teman sekelas dan diminta uang setiap hari.",
     "school": "SMP Negeri 99 Semarang", "location": {"kecamatan": "Banyumanik"},
     "victim": {"age_group": "child", "gender": "male", "is_reporter": False}, "perpetrator_relation": "classmate",
     "anonymous": False, "contact": {"phone": "+62 812 0000 0001", "safe_to_contact": True},
     "consent": {"share_with_agencies": True, "contact_me": True}},
    {"category": "sexual_violence", "narrative": "Seorang siswi mengaku dilecehkan oleh guru lesnya.",
     "location": {"kelurahan": "Pleburan", "kecamatan": "Semarang Selatan"},
     "victim": {"age_group": "child", "gender": "female", "is_reporter": False}, "perpetrator_relation": "teacher",
     "anonymous": True, "consent": {"share_with_agencies": True, "contact_me": False}},
    {"category": "child_abuse", "narrative": "Saya takut melapor, tapi adik saya sering dikurung di kamar.",
     "victim": {"age_group": "child", "is_reporter": False}, "perpetrator_relation": "family",
     "anonymous": True, "consent": {"share_with_agencies": False, "contact_me": False}},
]


async def load(base_url: str, settings: Settings | None = None) -> None:
    """Submit the demo reports through the public API, as the app would."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        for body in DEMO_REPORTS:
            response = await client.post("/v1/reports", json=body)
            response.raise_for_status()
