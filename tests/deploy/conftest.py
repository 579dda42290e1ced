"""Fixtures for the offline checks of deploy/ and k8s/: where things are, what the platform consists of."""

import shutil
import sys
from pathlib import Path

import pytest

# Every service the manifests must cover, whether or not its code is installed in this checkout.
PLATFORM = {
    "alarm-gateway": {"package": "alarm_gateway", "port": 8001},
    "report-intake": {"package": "report_intake", "port": 8002},
    "cctv-ingest": {"package": "cctv_ingest", "port": 8003},
    "dispatch": {"package": "dispatch", "port": 8004},
    "notifier": {"package": "notifier", "port": 8005},
}


@pytest.fixture(scope="session")
def repo() -> Path:
    return Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def platform() -> dict[str, dict]:
    """Service name -> its package (also its database schema and role) and port."""
    return PLATFORM


@pytest.fixture(scope="session")
def tool():
    """The path of a command-line tool installed into the virtualenv by a dev dependency (offline)."""

    def find(name: str) -> str:
        beside_python = Path(sys.executable).parent / name
        found = str(beside_python) if beside_python.exists() else shutil.which(name)
        if found is None:
            pytest.fail(f"{name} is missing: run `uv sync` (it is a dev dependency of the workspace root)")
        return found

    return find
