"""The triage table sends each kind of case to the right agencies."""

import pytest

from report_intake.reports.schemas import ReportCreate
from report_intake.triage.rules import agencies_for


def _report(category, age_group, gender=None, school=None, refer_to=(), relation=None):
    return ReportCreate.model_validate({
        "category": category, "narrative": "cerita", "school": school, "refer_to": list(refer_to),
        "victim": {"age_group": age_group, "gender": gender, "is_reporter": False},
        "perpetrator_relation": relation, "consent": {"share_with_agencies": True}})


@pytest.mark.parametrize(("report", "agencies"), [
    (_report("sexual_violence", "child", "female", school="SMP Negeri 99 Semarang"), ["dp3a", "disdik"]),
    (_report("sexual_violence", "child", "female", school="Pondok Pesantren Al-Hikmah"), ["dp3a", "disdik"]),
    # abuse at home by a relative: no school involved, so the education office learns nothing of it
    (_report("sexual_violence", "child", "female", relation="family"), ["dp3a"]),
    (_report("sexual_violence", "child", "male", refer_to=["disdik"]), ["dp3a", "disdik"]),  # reporter chose
    (_report("domestic_violence", "child", refer_to=["dp3a"]), ["dp3a"]),
    (_report("sexual_violence", "adult", "female"), ["dp3a"]),
    (_report("sexual_violence", "adult", "male"), []),
    (_report("domestic_violence", "elderly", "female"), ["dp3a"]),
    (_report("child_abuse", "child"), ["dp3a"]),
    (_report("bullying", "child", school="SD Negeri 1 Semarang"), ["disdik"]),
    (_report("bullying", "adult"), []),  # not at school: staff triage it
    (_report("other", "child"), []),
])
def test_each_case_goes_where_the_rules_say(report, agencies):
    assert agencies_for(report) == agencies
