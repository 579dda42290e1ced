"""The incident vocabulary, written once in kentongan.events.incidents, is whole: every alarm or report category
is an incident category with a priority, every status has what the caller's app shows, and the transitions
only name statuses."""

from typing import get_args

from kentongan.events.alarms import ALARM_STATUSES, CLOSED_ALARM_STATUSES, AlarmCategory
from kentongan.events.incidents import (
    ACTIVE_STATUSES,
    ALARM_STATUS_OF,
    CATEGORY_PRIORITY,
    CLOSED_STATUSES,
    INCIDENT_CATEGORIES,
    INCIDENT_STATUSES,
    MAX_PRIORITY,
    SENSITIVE_CATEGORIES,
    STATUS_TRANSITIONS,
)
from kentongan.events.reports import ReportCategory


def test_every_alarm_or_report_category_is_an_incident_category_with_a_priority():
    assert set(get_args(AlarmCategory)) | set(get_args(ReportCategory)) == set(INCIDENT_CATEGORIES)
    assert set(CATEGORY_PRIORITY) == set(INCIDENT_CATEGORIES)
    assert all(1 <= priority < MAX_PRIORITY for priority in CATEGORY_PRIORITY.values())  # silent: one more
    assert set(INCIDENT_CATEGORIES) >= SENSITIVE_CATEGORIES


def test_statuses_are_active_or_closed_and_each_tells_the_app_something():
    assert set(ACTIVE_STATUSES) | CLOSED_STATUSES == set(INCIDENT_STATUSES)
    assert not set(ACTIVE_STATUSES) & CLOSED_STATUSES
    assert list(ALARM_STATUS_OF) == list(INCIDENT_STATUSES)
    assert set(ALARM_STATUS_OF.values()) == set(ALARM_STATUSES)
    # An alarm is over exactly when the incident holding it is.
    assert {ALARM_STATUS_OF[status] for status in CLOSED_STATUSES} == set(CLOSED_ALARM_STATUSES)


def test_transitions_name_only_statuses_and_a_closed_incident_only_reopens():
    for to, allowed in STATUS_TRANSITIONS.items():
        assert to in INCIDENT_STATUSES and allowed <= set(INCIDENT_STATUSES)
    assert [to for to, allowed in STATUS_TRANSITIONS.items() if allowed & CLOSED_STATUSES] == ["open"]
