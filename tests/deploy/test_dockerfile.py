"""The service image: lint-clean, built from the workspace lock, non-root, with a health check."""

import re
import subprocess


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
