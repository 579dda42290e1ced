"""Backups that have actually been restored: on a private stack, raise an alarm (which becomes an incident) and
submit a case, back up, lose every service schema, restore, and find each of them again through the services
themselves."""

import asyncio
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from uuid import uuid4

import httpx
import pytest

from kentongan.dev.platform import ServiceProcess
from kentongan.dev.stack import DevStack, free_port
from kentongan.dev.testing import eventually
from kentongan.migrations import prepare
from kentongan.security import operator_token
from kentongan.service import installed_services
from kentongan.settings import ServiceSettings

SERVICES = ("alarm-gateway", "dispatch", "report-intake")


@pytest.fixture
def private_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A database and broker of this test's own: a restore drops every service schema."""
    stack = DevStack(tmp_path / "stack", pg_port=free_port(), kafka_port=free_port())
    try:
        stack.start()
        for key, value in stack.environment().items():
            monkeypatch.setenv(key, value)
        prepare(ServiceSettings(), installed_services())
        specs = {spec.name: spec for spec in installed_services()}
        processes = {name: ServiceProcess(specs[name], dict(stack.environment()), free_port(), tmp_path / "logs")
                     for name in SERVICES}
        yield processes
    finally:
        for process in locals().get("processes", {}).values():
            process.stop()
        stack.stop()


def _kentongan(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "kentongan.cli", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def _start(processes: dict[str, ServiceProcess]) -> None:
    for process in processes.values():
        process.start(wait=False)
    await asyncio.gather(*(asyncio.to_thread(process.wait_ready, 180) for process in processes.values()))


def _stop(processes: dict[str, ServiceProcess]) -> None:
    for process in processes.values():
        process.stop()


async def _placed(gateway: httpx.AsyncClient, alarm_id: str) -> str | None:
    return (await gateway.get(f"/v1/alarms/{alarm_id}")).json().get("incident_id")


def _alarm() -> dict:
    return {"id": str(uuid4()), "lat": -6.9839, "lon": 110.4093, "accuracy_m": 10, "category": "crime"}


async def test_backup_wipe_restore_finds_every_alarm_incident_and_case(private_stack, tmp_path: Path):
    await _start(private_stack)
    staff = {"Authorization": f"Bearer {operator_token(ServiceSettings(), 'operator')}"}
    async with (httpx.AsyncClient(base_url=private_stack["alarm-gateway"].url, timeout=10) as gateway,
                httpx.AsyncClient(base_url=private_stack["dispatch"].url, timeout=10, headers=staff) as dispatch,
                httpx.AsyncClient(base_url=private_stack["report-intake"].url, timeout=10) as intake):
        device = (await gateway.post("/v1/devices", json={})).json()
        gateway.headers["Authorization"] = f"Bearer {device['token']}"
        alarm = _alarm()
        assert (await gateway.post("/v1/alarms", json=alarm)).status_code == 202
        incident_id = await eventually(lambda: _placed(gateway, alarm["id"]), timeout_s=30)
        narrative = f"Saya dipukul oleh suami saya ({uuid4()})."
        receipt = (await intake.post("/v1/reports", json={
            "category": "domestic_violence", "narrative": narrative,
            "victim": {"age_group": "adult", "gender": "female", "is_reporter": True},
            "consent": {"share_with_agencies": True, "contact_me": False}})).json()

        archive = tmp_path / "backup.tar"
        assert "to " + str(archive) in await asyncio.to_thread(_kentongan, "backup", "--output", str(archive))
        offsets = _manifest(archive)["consumer_offsets"]
        assert sum(offsets["dispatch"][f"alarms.v1:{p}"] for p in range(6) if f"alarms.v1:{p}" in offsets[
            "dispatch"]) >= 1  # dispatch had consumed the alarm, and the backup says so
        _stop(private_stack)
        await asyncio.to_thread(_wipe_every_schema)
        await asyncio.to_thread(_kentongan, "restore", str(archive), "--offsets-wait-s", "1")
        await _start(private_stack)

        restored = (await gateway.get(f"/v1/alarms/{alarm['id']}")).json()
        assert restored["incident_id"] == incident_id and restored["category"] == "crime"
        incident = await dispatch.get(f"/v1/incidents/{incident_id}")
        assert incident.status_code == 200 and incident.json()["category"] == "crime"
        case = await intake.get(f"/v1/reports/{receipt['report_id']}",
                                headers={"X-Case-Token": receipt["case_token"]})
        assert case.status_code == 200, case.text


def _manifest(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.loads(tar.extractfile("offsets.json").read())


def _wipe_every_schema() -> None:
    """The disaster: every service schema gone."""
    from kentongan.backup import _libpq_url, _pg_tool

    dropped = "; ".join(f'DROP SCHEMA "{spec.schema}" CASCADE' for spec in installed_services())
    subprocess.run([_pg_tool("psql"), "-v", "ON_ERROR_STOP=1", "-c", dropped,
                    _libpq_url(ServiceSettings().database_url)], check=True, capture_output=True)
