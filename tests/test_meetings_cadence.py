"""Cadence: meetings per calendar year and per rolling 12 consecutive months, against the group's target."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.meetings.cadence import DatedMeeting, assess, group_cadence, warnings, year_target
from tests.conftest import make_group, make_meeting


@pytest.fixture(autouse=True)
def english(app):
    """Messages are checked in English here (the Czech catalogue has its own test)."""
    from flask_babel import force_locale

    with force_locale("en"):
        yield

HELD, PLANNED, CANCELLED = "held", "planned", "cancelled"


def m(y: int, mo: int, d: int, status: str = HELD) -> DatedMeeting:
    return DatedMeeting(date(y, mo, d), status)


def test_four_held_meetings_meet_the_year_target():
    report = assess([m(2025, 2, 18), m(2025, 5, 20), m(2025, 9, 16), m(2025, 11, 18)], target=4,
                    since=date(2025, 1, 1), today=date(2026, 1, 10))
    y2025 = report.years[0]
    assert (y2025.year, y2025.count, y2025.ok, y2025.future) == (2025, 4, True, False)


def test_cancelled_meetings_never_count():
    meetings = [m(2025, 2, 18), m(2025, 5, 20), m(2025, 9, 16), m(2025, 11, 18, CANCELLED)]
    report = assess(meetings, target=4, since=date(2025, 1, 1), today=date(2026, 1, 10))
    y2025 = report.years[0]
    assert (y2025.count, y2025.cancelled, y2025.missing, y2025.ok) == (3, 1, 1, False)


def test_planned_meetings_count_ahead_and_a_short_year_warns(app):
    today = date(2026, 11, 25)
    meetings = [m(2026, 2, 17), m(2026, 5, 19), m(2026, 12, 8, PLANNED), m(2026, 9, 15, CANCELLED)]
    report = assess(meetings, target=4, since=date(2025, 1, 1), today=today)
    current = report.current_year
    assert (current.held, current.planned, current.count, current.missing) == (2, 1, 3, 1)
    with app.test_request_context():
        text = " ".join(warnings(report))
    assert "3" in text and "2026" in text


def test_the_warning_reads_in_czech(app):
    report = assess([m(2026, 2, 17), m(2026, 5, 19), m(2026, 12, 8, PLANNED)], target=4,
                    since=date(2026, 1, 1), today=date(2026, 11, 25))
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("cs"):
            text = warnings(report)[0]
    assert text == "Podle plánu bude mít skupina v roce 2026 jen 3 jednání, 1 chybí."


def test_year_boundary_a_meeting_on_new_years_eve_counts_for_its_year():
    report = assess([m(2025, 12, 31), m(2026, 1, 1)], target=1, since=date(2025, 1, 1),
                    today=date(2026, 6, 1))
    assert [(y.year, y.count) for y in report.years] == [(2025, 1), (2026, 1)]


def test_rolling_window_catches_a_gap_across_the_year_boundary():
    # Four a year in both years, but nothing from June 2025 to May 2026 except two meetings.
    meetings = [m(2025, 1, 10), m(2025, 2, 10), m(2025, 3, 10), m(2025, 4, 10),
                m(2025, 12, 10), m(2026, 1, 10), m(2026, 6, 10), m(2026, 7, 10), m(2026, 8, 10)]
    report = assess(meetings, target=4, since=date(2025, 1, 1), today=date(2026, 9, 15))
    assert all(y.ok for y in report.years if not y.future) and report.years[0].ok
    worst = report.worst_window
    assert worst.count == 2 and not report.rolling_ok
    # The latest of the equally bad windows is reported.
    assert (worst.start, worst.end) == (date(2025, 6, 1), date(2026, 5, 31))
    assert all(w.end <= date(2026, 8, 31) for w in report.windows)


def test_windows_end_at_last_month_or_at_the_last_planned_meeting():
    today = date(2026, 11, 25)
    past_only = assess([m(2025, 1, 10)], target=1, since=date(2025, 1, 1), today=today)
    assert past_only.windows[-1].end == date(2026, 10, 31)
    planned = assess([m(2025, 1, 10), m(2027, 3, 2, PLANNED)], target=1, since=date(2025, 1, 1), today=today)
    assert planned.windows[-1].end == date(2027, 3, 31)
    assert planned.worst_ahead is not None and planned.worst_ahead.ahead


def test_a_young_group_has_no_window_yet():
    report = assess([m(2026, 3, 3)], target=4, since=date(2026, 3, 1), today=date(2026, 11, 25))
    assert report.windows == [] and report.worst_window is None


def test_a_group_created_mid_year_gets_a_prorated_first_year():
    assert year_target(4, 2026, date(2026, 7, 10)) == (2, True)  # July-December: 6 of 12 months
    assert year_target(4, 2026, date(2026, 1, 20)) == (4, False)
    assert year_target(4, 2027, date(2026, 7, 10)) == (4, False)
    assert year_target(4, 2026, date(2026, 12, 1)) == (1, True)
    report = assess([m(2026, 9, 1), m(2026, 11, 3)], target=4, since=date(2026, 7, 10), today=date(2027,
                                                                                                   2, 1))
    first = report.years[0]
    assert (first.target, first.partial, first.ok) == (2, True, True)


def test_past_meetings_still_planned_count_but_are_reported_unconfirmed(app):
    report = assess([m(2026, 10, 6, PLANNED)], target=1, since=date(2026, 1, 1), today=date(2026, 11, 25))
    assert report.unconfirmed == 1 and report.current_year.count == 1
    with app.test_request_context():
        assert any("held" in w for w in warnings(report))


def test_a_target_of_zero_switches_the_check_off():
    report = assess([], target=0, since=date(2024, 1, 1), today=date(2026, 11, 25))
    assert report.ok


def test_group_cadence_counts_joint_meetings_in_every_group_and_starts_at_the_first_meeting(factories):
    territory = factories.territory()
    group = make_group(territory, created_at=datetime(2026, 11, 1, tzinfo=UTC))
    financing = make_group(territory, kind="financing", created_at=datetime(2026, 11, 1, tzinfo=UTC))
    make_meeting(group, starts_at=datetime(2025, 3, 4, 13, tzinfo=UTC), status="held")
    make_meeting(group, starts_at=datetime(2025, 6, 3, 13, tzinfo=UTC), status="held",
                 joint_with=(financing,))
    make_meeting(group, starts_at=datetime(2025, 9, 2, 13, tzinfo=UTC), status="cancelled")
    # 23:30 UTC on 31 December is already 1 January in Prague: it counts for the next year.
    make_meeting(group, starts_at=datetime(2025, 12, 31, 23, 30, tzinfo=UTC), status="held")
    report = group_cadence(group, date(2026, 11, 25))
    assert report.since == date(2025, 3, 4)
    assert [(y.year, y.count, y.cancelled) for y in report.years] == [(2025, 2, 1), (2026, 1, 0)]
    assert report.years[0].target == 4  # March-December: ceil(4 * 10 / 12)
    assert [(y.year, y.count) for y in group_cadence(financing, date(2026, 11, 25)).years] == [
        (2025, 1), (2026, 0)]
