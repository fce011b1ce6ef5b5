"""The annual report's sections composition, meetings and cooperation: exact figures on factories and on the
demo data for last year."""

from __future__ import annotations

from datetime import date

from portal.models import SensitiveTrait
from portal.models.groups import TraitCode
from portal.reports.collect import collect
from portal.reports.model import Chart, Table
from portal.reports.sections import Context
from portal.reports.sections import composition as composition_section
from tests.conftest import add_member, make_group

YEAR_START, YEAR_END = date(2025, 1, 1), date(2025, 12, 31)


def _figures(section) -> dict:
    return {block.key: block.value for block in section.blocks if hasattr(block, "key") and
            not isinstance(block, Chart)}


def _tables(section) -> dict[str, Table]:
    tables = {block.caption: block for block in section.blocks if isinstance(block, Table)}
    tables.update({block.table.caption: block.table for block in section.blocks if isinstance(block, Chart)})
    return tables


# ---- composition ------------------------------------------------------------------------------------------


def _composition_group(factories):
    territory = factories.territory()
    group = make_group(territory, name="PS pro rovné příležitosti")
    people = {}

    def member(key, category, joined_on, left_on=None):
        user = factories.user("member", territory=territory)
        people[key] = user
        return add_member(group, user, category=category, joined_on=joined_on, left_on=left_on)

    # On 1 January 2025: founder, director, teacher, youth worker, counselling, expert, parent (balanced
    # apart from the support-needs parent), and a second teacher.
    member("founder", "founder", date(2023, 1, 1))
    member("director", "director", date(2023, 1, 1))
    member("teacher", "teacher", date(2023, 1, 1))
    member("teacher2", "teacher", date(2024, 6, 1), left_on=date(2025, 4, 1))  # leaves in April
    member("youth", "youth_worker", date(2025, 1, 1))  # joins on the first day: already at the start
    member("counselling", "counselling", date(2024, 1, 1))
    member("expert", "expert", date(2024, 1, 1), left_on=date(2026, 1, 1))  # still a member on 31 Dec
    member("parent", "parent", date(2024, 1, 1))
    # During 2025: two parents and a teacher join; one of the parents leaves again.
    member("parent2", "parent", date(2025, 3, 1))
    member("parent3", "parent", date(2025, 5, 1), left_on=date(2025, 9, 30))
    member("teacher3", "teacher", date(2025, 12, 31))  # joins on the last day: in the end composition
    member("later", "director", date(2026, 1, 1))  # after the period: nowhere
    return group, people


def test_composition_counts_members_at_both_ends_and_the_joiners_and_leavers_between(app, factories):
    group, people = _composition_group(factories)
    section = composition_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    figures = _figures(section)
    assert figures["members_start"] == 8
    assert figures["members_end"] == 9
    assert figures["joined"] == 3  # parent2, parent3, teacher3 (youth joined on the first day)
    assert figures["left"] == 2  # teacher2, parent3 (the expert leaves on 1 January 2026)
    assert figures["members_start"] + figures["joined"] - figures["left"] == figures["members_end"]

    by_category = _tables(section)["Aktivní členové podle kategorie k 1. 1. 2025 a k 31. 12. 2025"]
    rows = {row[0]: row[1:] for row in by_category.rows}
    assert rows["pedagogický pracovník"] == [2, 2]
    assert rows["rodič"] == [1, 2]
    assert rows["Celkem"] == [8, 9]
    moves = {row[0]: row[1:] for row in _tables(section)["Příchody a odchody podle kategorie"].rows}
    assert moves["rodič"] == [2, 1]
    assert moves["pedagogický pracovník"] == [1, 1]
    assert moves["Celkem"] == [3, 2]


def test_composition_gives_the_balance_verdict_and_evenness_at_both_dates(app, factories):
    group, people = _composition_group(factories)
    from portal.extensions import db

    section = composition_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    figures = _figures(section)
    # Nobody declared support needs: the support-needs rule fails on both dates.
    assert figures["balanced_start"] == "ne" and figures["balanced_end"] == "ne"
    # 8 members: 2 teachers, six categories with 1 → H = -(2/8 ln 2/8 + 6 · 1/8 ln 1/8), J = H / ln 7.
    assert figures["evenness_start"] == 0.98
    assert figures["support_needs_parents"] == "< 3"
    rules = {row[0]: row[1:] for row in _tables(section)["Pravidla vyváženosti skupiny"].rows}
    assert rules["Zastoupení rodičů dětí s potřebou podpůrných opatření"] == ["nesplněno", "nesplněno"]
    assert rules["Zastoupení všech kategorií"] == ["splněno", "splněno"]

    for key in ("parent", "parent2", "parent3"):
        db.session.add(SensitiveTrait(user_id=people[key].id, code=TraitCode.SUPPORT_NEEDS_PARENT.value,
                                      consent_text_version="2026-1", consent_text="souhlas"))
    db.session.commit()
    section = composition_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    figures = _figures(section)
    assert figures["balanced_start"] == "ano" and figures["balanced_end"] == "ano"
    # Two declared parents are active on 31 December (parent3 left): still shown as "< 3".
    assert figures["support_needs_parents"] == "< 3"


def test_composition_of_an_empty_group_says_so(app, factories):
    group = make_group(factories.territory())
    section = composition_section.build(Context(group, YEAR_START, YEAR_END, "cs"))
    assert section.blocks[0].text == "Skupina v období od 1. 1. 2025 do 31. 12. 2025 neměla žádné členy."
    assert _figures(section)["evenness_end"] is None


def test_composition_in_english(app, factories):
    group, _people = _composition_group(factories)
    report = collect(group, YEAR_START, YEAR_END, language="en")
    section = report.section("composition")
    assert section.title == "Composition and balance of the group"
    assert _figures(section)["balanced_end"] == "no"
    assert any(block.caption == "Joiners and leavers by category" for block in section.blocks
               if isinstance(block, Table))
