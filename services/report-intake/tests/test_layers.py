"""report-intake's folders depend on each other in one direction only: reports call referrals (to open and
withdraw them), both lean on the case they share (cases/), and nothing leads back. Read from the source (ast), so
an import inside a function counts too."""

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import report_intake

PACKAGE = Path(report_intake.__file__).parent


def folder_imports() -> dict[str, set[str]]:
    """Each folder of report_intake (reports, referrals, cases, ...) and the other folders it imports."""
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.glob("*/**/*.py"):
        folder = path.relative_to(PACKAGE).parts[0]
        if folder == "migrations":
            continue
        imported = graph.setdefault(folder, set())
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            for name in names:
                parts = name.split(".")
                if parts[0] == "report_intake" and len(parts) > 1 and parts[1] != folder \
                        and (PACKAGE / parts[1]).is_dir():
                    imported.add(parts[1])
    return graph


def test_no_two_folders_import_each_other_directly_or_round_about():
    graph = folder_imports()
    assert {"reports", "referrals", "cases"} <= set(graph)
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as cycle:
        raise AssertionError(f"import cycle between folders: {cycle.args[1]}") from None
    assert order.index("cases") < order.index("referrals") < order.index("reports")


def test_referrals_and_the_case_never_reach_back_into_reports():
    graph = folder_imports()
    assert "reports" not in graph["referrals"] and "reports" not in graph["cases"]
    assert "referrals" in graph["reports"]  # the one direction: reports open and withdraw referrals
