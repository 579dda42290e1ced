from pydantic import BaseModel


class HealthSummary(BaseModel):
    total: int
    by_state: dict[str, int]
    by_kecamatan: dict[str, dict[str, int]]
