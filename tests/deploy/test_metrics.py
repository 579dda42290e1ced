"""Every metric named in the Grafana dashboards and the alert rules is exported by a running service.

The names are read from the JSON and YAML, and checked against the text of `/metrics` of every installed
service, started as real processes. A metric of a service that is not installed in this checkout is skipped
with its reason, so the check tightens by itself as services are merged.
"""

import json
import re
from pathlib import Path

import httpx
import pytest
import yaml

from kentongan.service import installed_services

REPO = Path(__file__).resolve().parents[2]
# Service metrics are named `<svc>_<noun>_<unit>` (STYLE.md); `kentongan_` ones come from the library.
OWNER_PREFIXES = {"alarm_gateway_": "alarm-gateway", "report_intake_": "report-intake",
                  "cctv_ingest_": "cctv-ingest", "dispatch_": "dispatch", "notifier_": "notifier"}
SHARED_PREFIX = "kentongan_"
# Series that Prometheus itself writes for every target.
SYNTHESIZED = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "ALERTS"}
PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
                "offset", "inf", "nan"}
SERIES_SUFFIXES = ("_bucket", "_sum", "_count", "_created")


def promql_metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (not functions, labels, keywords or numbers)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", expr):
        if expr[match.end():].lstrip().startswith("(") or match.group() in PROMQL_WORDS:
            continue
        names.add(match.group())
    return names


def _expressions() -> dict[str, str]:
    """Every PromQL expression in the dashboards and alert rules, by where it is."""
    found = {}

    def walk(node, where):
        if isinstance(node, dict):
            if "title" in node:
                where = f"{where} / {node['title']}"
            if isinstance(node.get("expr"), str):
                found[f"{where} / {node.get('refId', '')}"] = node["expr"]
            for value in node.values():
                walk(value, where)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    for path in sorted((REPO / "deploy" / "grafana" / "dashboards").glob("*.json")):
        walk(json.loads(path.read_text()), path.name)
    for path in sorted((REPO / "deploy" / "prometheus").glob("alert*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            for rule in group["rules"]:
                found[f"{path.name}: {rule.get('alert') or rule.get('record')}"] = rule["expr"]
    return found


EXPRESSIONS = _expressions()
METRICS = sorted({name for expr in EXPRESSIONS.values() for name in promql_metric_names(expr)} - SYNTHESIZED)


def exported_names(metrics_text: str) -> set[str]:
    """Metric names in Prometheus text: families from TYPE lines (printed before any sample) and samples."""
    names = set()
    for line in metrics_text.splitlines():
        if line.startswith("# TYPE "):
            _, _, family, kind = line.split(maxsplit=3)
            names.add(family)
            if kind in ("histogram", "summary"):
                names.update(family + suffix for suffix in SERIES_SUFFIXES)
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


@pytest.fixture(scope="session")
def exported(services) -> dict[str, set[str]]:
    """Service name -> metric names on its /metrics, after a little traffic, for every installed service."""
    result = {}
    for spec in installed_services():
        process = services.start(spec.name)
        httpx.get(f"{process.url}/healthz", timeout=5).raise_for_status()
        httpx.get(f"{process.url}/no-such-route", timeout=5)
        response = httpx.get(f"{process.url}/metrics", timeout=5)
        response.raise_for_status()
        result[spec.name] = exported_names(response.text)
    return result


def test_the_name_parser_finds_metrics_and_nothing_else():
    expr = ('histogram_quantile(0.9, sum by (le, service) (rate(a_seconds_bucket{route="/x"}[5m]))) '
            '/ ignoring(x) sum(b_total offset 1h) > 0.5 and on() up == 0')
    assert promql_metric_names(expr) == {"a_seconds_bucket", "b_total", "up"}


def test_dashboards_and_alerts_name_metrics():
    assert len(EXPRESSIONS) >= 20
    assert "kentongan_outbox_oldest_age_seconds" in METRICS and "dispatch_open_incidents" in METRICS


@pytest.mark.parametrize("metric", METRICS)
def test_metric_is_exported_by_a_running_service(metric, request):
    owner = next((svc for prefix, svc in OWNER_PREFIXES.items() if metric.startswith(prefix)), None)
    assert owner or metric.startswith(SHARED_PREFIX), f"{metric}: no service owns this name; a typo?"
    installed = {spec.name for spec in installed_services()}
    if owner and owner not in installed:
        pytest.skip(f"{metric} belongs to {owner}, which is not installed in this checkout")
    exported = request.getfixturevalue("exported")
    where = {owner: exported[owner]} if owner else exported
    assert any(metric in names for names in where.values()), (
        f"{metric} is used in {[k for k, e in EXPRESSIONS.items() if metric in promql_metric_names(e)]} "
        f"but not exported by {sorted(where)}")
