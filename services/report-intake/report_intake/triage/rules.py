"""Triage rules as data: which partner agency receives which kind of case.

Each rule names the categories it covers, whom or where it applies to, and the agency; a report goes to every
agency whose rule matches (a child victim of sexual violence at a school matches both DP3A and Disdik), and to
the agencies the reporter chose. Change the table, not the handlers.

Minimum necessary sharing: Disdik (the education office) receives a case only when a school or pesantren is
named or the reporter chose Disdik; a child abused at home by a relative is DP3A's alone.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol


class Victim(Protocol):
    @property
    def age_group(self) -> str: ...
    @property
    def gender(self) -> str | None: ...


class Case(Protocol):
    """What triage reads of a report (report_intake.reports.schemas.ReportCreate is one): triage depends on no
    other folder, so reports can call it without a cycle."""

    @property
    def category(self) -> str: ...
    @property
    def victim(self) -> Victim: ...
    @property
    def school(self) -> str | None: ...
    @property
    def refer_to(self) -> Sequence[str]: ...

VIOLENCE = frozenset({"sexual_violence", "domestic_violence", "child_abuse"})


def _woman_or_child(report: Case) -> bool:
    return report.victim.age_group == "child" or report.victim.gender == "female"


def _child(report: Case) -> bool:
    return report.victim.age_group == "child"


def _at_school(report: Case) -> bool:
    return report.school is not None


def _child_at_school(report: Case) -> bool:
    return _child(report) and _at_school(report)


@dataclass(frozen=True)
class Rule:
    agency: str
    categories: frozenset[str]
    applies: Callable[[Case], bool]  # who or where the rule is for
    why: str

    def matches(self, report: Case) -> bool:
        return report.category in self.categories and self.applies(report)


RULES: tuple[Rule, ...] = (
    Rule("dp3a", VIOLENCE, _woman_or_child, "DP3A protects women and children who suffer violence"),
    Rule("disdik", frozenset({"bullying"}), _at_school, "Disdik handles bullying at school"),
    Rule("disdik", frozenset({"sexual_violence"}), _child_at_school,
         "a child victim of sexual violence at a school or pesantren also needs its protection (Disdik)"),
)

AGENCIES = frozenset(rule.agency for rule in RULES)


def agencies_for(report: Case, rules: tuple[Rule, ...] = RULES) -> list[str]:
    """The agencies a report goes to, each once: the rules' in rule order, then those the reporter chose."""
    return list(dict.fromkeys([*(rule.agency for rule in rules if rule.matches(report)), *report.refer_to]))
