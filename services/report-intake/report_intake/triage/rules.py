"""Triage rules as data: which partner agency receives which kind of case.

Each rule names the categories it covers, whom or where it applies to, and the agency; a report goes to every
agency whose rule matches (a child victim of sexual violence matches both DP3A and Disdik). Change the table,
not the handlers.
"""

from collections.abc import Callable
from dataclasses import dataclass

from report_intake.reports.schemas import ReportCreate

VIOLENCE = frozenset({"sexual_violence", "domestic_violence", "child_abuse"})


def _woman_or_child(report: ReportCreate) -> bool:
    return report.victim.age_group == "child" or report.victim.gender == "female"


def _child(report: ReportCreate) -> bool:
    return report.victim.age_group == "child"


def _at_school(report: ReportCreate) -> bool:
    return report.school is not None


@dataclass(frozen=True)
class Rule:
    agency: str
    categories: frozenset[str]
    applies: Callable[[ReportCreate], bool]  # who or where the rule is for
    why: str

    def matches(self, report: ReportCreate) -> bool:
        return report.category in self.categories and self.applies(report)


RULES: tuple[Rule, ...] = (
    Rule("dp3a", VIOLENCE, _woman_or_child, "DP3A protects women and children who suffer violence"),
    Rule("disdik", frozenset({"bullying"}), _at_school, "Disdik handles bullying at school"),
    Rule("disdik", frozenset({"sexual_violence"}), _child,
         "a child victim of sexual violence also needs the school's protection (Disdik)"),
)

AGENCIES = frozenset(rule.agency for rule in RULES)


def agencies_for(report: ReportCreate, rules: tuple[Rule, ...] = RULES) -> list[str]:
    """The agencies a report goes to, each once, in rule order."""
    return list(dict.fromkeys(rule.agency for rule in rules if rule.matches(report)))
