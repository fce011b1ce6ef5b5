"""Balance rules and evenness on edge cases (pure computation, DOMAIN.md "Balanced membership")."""

from datetime import date

import pytest

from portal.groups.balance import (
    CATEGORIES,
    Thresholds,
    assess,
    counts_on,
    evenness,
    month_starts,
    suppressed,
    timeline,
)

DAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def czech_request(app):
    # The fixes are lazy strings, translated in the request's language (Czech by default).
    with app.test_request_context("/"):
        yield


def counts(**given):
    return {c: given.get(c, 0) for c in CATEGORIES}


def rule(result, code):
    return next(r for r in result.rules if r.code == code)


def test_empty_group_has_no_evenness_and_every_category_missing():
    result = assess(counts(), Thresholds(), DAY, support_parents=0)
    assert result.total == 0 and result.evenness is None
    assert not rule(result, "categories_present").holds
    assert len(rule(result, "categories_present").fixes) == 7
    # Nobody can dominate an empty group.
    assert rule(result, "no_dominant_category").holds
    assert not rule(result, "support_needs_parent").holds


def test_one_member_scores_zero_and_dominates():
    result = assess(counts(teacher=1), Thresholds(), DAY, support_parents=0)
    assert result.evenness == 0.0
    assert not rule(result, "no_dominant_category").holds
    assert not rule(result, "categories_present").holds


def test_single_category_has_zero_evenness():
    assert evenness([5, 0, 0, 0, 0, 0, 0]) == 0.0


def test_perfectly_even_group_scores_one():
    assert evenness([2] * 7) == pytest.approx(1.0)
    result = assess(counts(**dict.fromkeys(CATEGORIES, 2)), Thresholds(), DAY, support_parents=1)
    assert result.ok and result.failing == []


def test_evenness_is_between_zero_and_one():
    value = evenness([3, 1, 1, 1, 1, 1, 6])
    assert 0 < value < 1


def test_evenness_undefined_for_a_single_possible_category():
    assert evenness([3], k=1) is None


def test_a_category_exactly_at_the_limit_holds():
    # 14 members, equal share 2, limit 2 x 2 = 4: four teachers are allowed, five are not.
    at_limit = counts(founder=2, director=2, teacher=4, youth_worker=1, counselling=1, expert=2, parent=2)
    assert sum(at_limit.values()) == 14
    assert rule(assess(at_limit, Thresholds(), DAY), "no_dominant_category").holds
    over = dict(at_limit, teacher=5, parent=1)
    result = assess(over, Thresholds(), DAY)
    dominant = rule(result, "no_dominant_category")
    assert not dominant.holds
    assert "pedagog" in str(dominant.fixes[0]) or "teacher" in str(dominant.fixes[0])


def test_fix_for_an_over_represented_category_says_how_many_to_add():
    # 7 teachers + 1 of each other category except parent: total 12, limit 2*12/7 = 3.43.
    data = counts(founder=1, director=1, teacher=7, youth_worker=1, counselling=1, expert=1)
    result = assess(data, Thresholds(), DAY)
    fix = str(rule(result, "no_dominant_category").fixes[0])
    # 7 * 7 / 2 - 12 = 12.5 -> at least 13 more members from other categories.
    assert "13" in fix


def test_missing_category_fix_names_the_category():
    data = counts(founder=2, director=2, teacher=2, youth_worker=2, expert=2, parent=2)
    result = assess(data, Thresholds(), DAY, support_parents=1)
    fixes = rule(result, "categories_present").fixes
    assert len(fixes) == 1 and ("poraden" in str(fixes[0]) or "counselling" in str(fixes[0]))


def test_thresholds_are_the_groups_settings():
    data = counts(**dict.fromkeys(CATEGORIES, 1))
    assert not rule(assess(data, Thresholds(min_per_category=2), DAY), "categories_present").holds
    assert rule(assess(dict(data, teacher=2), Thresholds(), DAY), "no_dominant_category").holds
    strict = Thresholds(max_share_multiple=1.0)
    assert not rule(assess(dict(data, teacher=2), strict, DAY), "no_dominant_category").holds
    assert rule(assess(data, Thresholds(required_support_parents=0), DAY, support_parents=0),
                "support_needs_parent").holds
    assert not rule(assess(data, Thresholds(required_support_parents=2), DAY, support_parents=1),
                    "support_needs_parent").holds


def test_support_rule_is_left_out_without_trait_data():
    result = assess(counts(), Thresholds(), DAY)
    assert [r.code for r in result.rules] == ["categories_present", "no_dominant_category"]


def test_ended_memberships_do_not_count_on_the_date_asked():
    rows = [
        ("teacher", date(2025, 1, 1), None),
        ("teacher", date(2025, 1, 1), date(2026, 6, 1)),  # left_on is the first day without membership
        ("parent", date(2026, 6, 1), None),  # joins that day: counts
        ("expert", date(2026, 6, 2), None),  # not yet
    ]
    assert counts_on(rows, date(2026, 5, 31))["teacher"] == 2
    on = counts_on(rows, date(2026, 6, 1))
    assert on["teacher"] == 1 and on["parent"] == 1 and on["expert"] == 0


def test_timeline_snapshots_each_month_and_today():
    dates = month_starts(date(2026, 11, 25), 12)
    assert dates[0] == date(2025, 12, 1) and dates[-2] == date(2026, 11, 1)
    assert dates[-1] == date(2026, 11, 25)
    assert len(dates) == 13
    assert month_starts(date(2026, 1, 1), 2) == [date(2025, 12, 1), date(2026, 1, 1)]
    rows = [("teacher", date(2026, 3, 15), None)]
    snaps = timeline(rows, dates, Thresholds())
    assert [s.total for s in snaps[:4]] == [0, 0, 0, 0] and snaps[4].total == 1  # 2026-04-01


@pytest.mark.parametrize("count, shown",
                         [(0, "< 3"), (1, "< 3"), (2, "< 3"), (3, "3"), (12, "12"), (None, "—")])
def test_small_trait_counts_are_suppressed(count, shown):
    assert suppressed(count) == shown
