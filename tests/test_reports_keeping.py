"""Keeping activity reports: frozen versions, numbering, drafts, the background job, data changed since."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Job
from portal.models.reports import ReportCheck, ReportDraft, ReportVersion
from portal.reports import keeping
from portal.reports.embed import body_of
from portal.versioning import StaleEdit
from tests.conftest import add_member, make_group, make_meeting, make_territory, make_user

YEAR = 2025
START, END = date(YEAR, 1, 1), date(YEAR, 12, 31)
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def group_year():
    """A group with a coordinator, five members during 2025 (one leaves in the autumn) and three held
    meetings in 2025."""
    territory = make_territory()
    group = make_group(territory, name="PS rovné příležitosti")
    coordinator = make_user("coordinator", territory=territory, name="Jana Koordinátorová")
    add_member(group, coordinator, category="expert", role="coordinator", joined_on=date(2024, 1, 1))
    people = []
    for n, category in enumerate(["teacher", "director", "parent", "founder", "counselling"]):
        person = make_user("member", territory=territory, name=f"Člen {n}")
        people.append(add_member(group, person, category=category, joined_on=date(2024, 6, 1),
                                 left_on=date(2025, 10, 1) if n == 0 else None))
    meetings = [make_meeting(group, starts_at=datetime(YEAR, month, 12, 14, 0, tzinfo=UTC), status="held")
                for month in (2, 5, 9)]
    return group, coordinator, people, meetings


def versions() -> list[ReportVersion]:
    return list(db.session.scalars(select(ReportVersion).order_by(ReportVersion.id)))


def test_a_generation_stores_every_file_at_once_numbered_per_period_and_language(group_year):
    group, coordinator, _people, _meetings = group_year
    first = keeping.generate(group, START, END, "cs", foreword="Úvod", notes=None, author=coordinator)
    db.session.commit()
    assert first.number == 1 and first.language == "cs" and first.visibility == "coordinators"
    assert first.pdf.startswith(b"%PDF") and first.docx.startswith(b"PK") and b"<html" in first.html.lower()
    assert first.author_name == "Jana Koordinátorová"
    stored = json.loads(first.data_json)
    assert stored["foreword"] == "Úvod" and stored["start"] == "2025-01-01" and stored["end"] == "2025-12-31"
    assert first.report_digest != first.data_digest  # the foreword counts in one, not in the other
    second = keeping.generate(group, START, END, "cs", foreword=None, notes=None, author=coordinator)
    english = keeping.generate(group, START, END, "en", foreword=None, notes=None, author=coordinator)
    other_period = keeping.generate(group, date(2025, 3, 1), date(2025, 8, 31), "cs", foreword=None,
                                    notes=None, author=coordinator)
    db.session.commit()
    assert (second.number, english.number, other_period.number) == (2, 1, 1)
    # Only the foreword differs between the first two: the data digest is the same.
    assert second.data_digest == first.data_digest and second.report_digest != first.report_digest


def test_a_stored_version_is_byte_identical_after_the_data_changes(group_year):
    group, coordinator, people, meetings = group_year
    version = keeping.generate(group, START, END, "cs", foreword=None, notes=None, author=coordinator)
    db.session.commit()
    files = {fmt: bytes(getattr(version, fmt)) for fmt in ("html", "pdf", "docx")}
    digest, data = version.data_digest, version.data_json
    assert keeping.data_changed_since(version, fresh=True) is False

    # A member leaves during the year and a meeting is edited (moved to another place and day).
    people[1].left_on = date(2025, 4, 1)
    meetings[0].place = "Městský úřad Vzorov"
    meetings[0].starts_at = meetings[0].starts_at + timedelta(days=1)
    meetings[0].ends_at = meetings[0].ends_at + timedelta(days=1)
    db.session.commit()
    db.session.expire_all()

    again = db.session.get(ReportVersion, version.id)
    assert {fmt: bytes(getattr(again, fmt)) for fmt in files} == files
    assert (again.data_digest, again.data_json) == (digest, data)
    assert keeping.data_changed_since(again, fresh=True) is True
    newer = keeping.generate(group, START, END, "cs", foreword=None, notes=None, author=coordinator)
    db.session.commit()
    assert newer.number == 2 and newer.data_digest != digest
    assert bytes(db.session.get(ReportVersion, version.id).pdf) == files["pdf"]


def test_the_generation_job_stores_a_version_and_remembers_the_digest(group_year):
    group, coordinator, _people, _meetings = group_year
    job = keeping.start_generation(group, START, END, "cs", actor=coordinator)
    db.session.commit()  # the sync backend runs the job after the commit
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state == "done", job.error
    version = db.session.get(ReportVersion, job.result["version_id"])
    assert version.number == 1 and version.author_id == coordinator.id and version.job_id == job.id
    check = db.session.scalar(select(ReportCheck))
    assert check.data_digest == version.data_digest
    assert keeping.data_changed_since(version) is False


def test_the_job_takes_the_draft_texts_as_they_were_when_asked(group_year, app, monkeypatch):
    group, coordinator, _people, _meetings = group_year
    keeping.save_draft(group, START, END, foreword="Rok plný práce.", notes="Děkujeme školám.",
                       seen_version=0, actor=coordinator)
    db.session.commit()
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "local")
    monkeypatch.setitem(app.config, "JOBS_LOCAL_THREAD", False)
    job = keeping.start_generation(group, START, END, "cs", actor=coordinator)
    db.session.commit()
    # A second request while it waits starts nothing new: the same job comes back.
    assert keeping.start_generation(group, START, END, "cs", actor=coordinator).id == job.id
    # The texts change after the request: the version keeps those the coordinator saw.
    draft = keeping.draft_of(group, START, END)
    keeping.save_draft(group, START, END, foreword="Jiný text", notes=None, seen_version=draft.version,
                       actor=coordinator)
    db.session.commit()
    from portal.jobs import runner

    assert runner.run(job.id) == "done"
    db.session.expire_all()
    stored = json.loads(versions()[0].data_json)
    assert (stored["foreword"], stored["notes"]) == ("Rok plný práce.", "Děkujeme školám.")
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1


def test_a_slow_period_is_checked_in_a_job_after_the_ttl(group_year, app, monkeypatch):
    group, coordinator, people, _meetings = group_year
    version = keeping.generate(group, START, END, "cs", foreword=None, notes=None, author=coordinator)
    db.session.commit()
    assert keeping.data_changed_since(version) is False
    people[2].left_on = date(2025, 2, 1)
    db.session.commit()
    monkeypatch.setitem(app.config, "REPORTS_CHECK_TTL", 60)
    monkeypatch.setitem(app.config, "REPORTS_INLINE_CHECK_MS", -1)  # as if gathering took seconds
    # No new check while the last one is younger than the TTL...
    assert keeping.refresh_checks(group, [version], actor=coordinator) == []
    assert keeping.data_changed_since(version) is False
    # ...and a job afterwards, which finds the change.
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        queued = keeping.refresh_checks(group, [version], actor=coordinator)
        assert [job.kind for job in queued] == ["reports.check"]
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Job, queued[0].id).state == "done"
    assert keeping.data_changed_since(db.session.get(ReportVersion, version.id)) is True


def test_a_quick_period_is_checked_at_once(group_year, app, monkeypatch):
    group, coordinator, _people, meetings = group_year
    version = keeping.generate(group, START, END, "cs", foreword=None, notes=None, author=coordinator)
    db.session.commit()
    assert version.collect_ms < 300  # a small group-year gathers in well under a second
    meetings[1].status = "cancelled"
    db.session.commit()
    monkeypatch.setitem(app.config, "REPORTS_CHECK_TTL", 0)
    assert keeping.refresh_checks(group, [version], actor=coordinator) == []  # no job needed
    db.session.commit()
    assert keeping.data_changed_since(version) is True
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_drafts_use_optimistic_locking(group_year):
    group, coordinator, _people, _meetings = group_year
    draft = keeping.save_draft(group, START, END, foreword="A", notes=None, seen_version=0, actor=coordinator)
    db.session.commit()
    seen = draft.version
    keeping.save_draft(group, START, END, foreword="B", notes=None, seen_version=seen, actor=coordinator)
    db.session.commit()
    with pytest.raises(StaleEdit):
        keeping.save_draft(group, START, END, foreword="C", notes=None, seen_version=seen, actor=coordinator)
    db.session.rollback()
    with pytest.raises(StaleEdit):  # a "new draft" form while someone else created one meanwhile
        keeping.save_draft(group, START, END, foreword="D", notes=None, seen_version=0, actor=coordinator)
    db.session.rollback()
    assert db.session.scalar(select(ReportDraft.foreword)) == "B"


@pytest.mark.parametrize(("start", "end", "message"), [
    (date(2025, 5, 1), date(2025, 4, 1), "končí dřív"),
    (date(2014, 1, 1), date(2014, 12, 31), "2015"),
    (date(2027, 1, 1), date(2027, 12, 31), "nezačalo"),
    (date(2016, 1, 1), date(2025, 12, 31), "pět let"),
])
def test_a_period_must_make_sense(group_year, start, end, message, app):
    group, coordinator, _people, _meetings = group_year
    with app.test_request_context(headers={"Accept-Language": "cs"}):
        with pytest.raises(keeping.ReportError) as refused:
            keeping.start_generation(group, start, end, "cs", actor=coordinator)
    assert message in str(refused.value)


def test_reading_rules_follow_the_visibility(group_year):
    group, coordinator, people, _meetings = group_year
    version = keeping.generate(group, START, END, "cs", foreword=None, notes=None, author=coordinator)
    db.session.commit()
    member = people[1].user
    parent = make_user("parent", territory=group.territory)
    add_member(group, parent, category="parent")
    outsider = make_user("member")
    admin = make_user("admin")

    def readers():
        return {name for name, user in [("coordinator", coordinator), ("member", member), ("parent", parent),
                                        ("outsider", outsider), ("admin", admin)]
                if keeping.can_read(user, version)}

    assert readers() == {"coordinator", "admin"}
    keeping.publish(version, "members", actor=coordinator, seen_version=version.version)
    db.session.commit()
    assert readers() == {"coordinator", "admin", "member"}
    keeping.publish(version, "public", actor=coordinator, seen_version=version.version)
    db.session.commit()
    assert readers() == {"coordinator", "admin", "member", "parent", "outsider"}
    keeping.unpublish(version, actor=coordinator, seen_version=version.version)
    db.session.commit()
    assert readers() == {"coordinator", "admin"}
    # The files did not change on the way.
    assert versions()[0].pdf == version.pdf


def test_a_hidden_group_cannot_publish_to_everyone(group_year):
    group, coordinator, _people, _meetings = group_year
    group.public = False
    db.session.commit()
    version = keeping.generate(group, START, END, "cs", foreword=None, notes=None, author=coordinator)
    db.session.commit()
    with pytest.raises(keeping.ReportError):
        keeping.publish(version, "public", actor=coordinator, seen_version=version.version)


def test_the_embedded_html_keeps_the_text_and_drops_what_a_page_must_not_carry():
    stored = ('<!doctype html><html><head><title>T</title><style>p{color:red}</style></head><body>'
              '<h1>Výroční zpráva 2025</h1>'
              '<p style="color:red" onclick="x()">Konaná jednání: 5 &amp; &lt;b&gt;</p>'
              '<script>alert(1)</script><a href="javascript:alert(1)">odkaz</a>'
              '<svg viewBox="0 0 10 10" role="img"><title>Graf</title><rect width="5" height="5"/></svg>'
              '<h2>Složení</h2></body></html>').encode()
    body = str(body_of(stored))
    assert "<h2>Výroční zpráva 2025</h2>" in body and "<h3>Složení</h3>" in body
    assert "Konaná jednání: 5 &amp; &lt;b&gt;" in body
    for forbidden in ("<script", "alert", "style=", "onclick", "<style", "color:red", "javascript:"):
        assert forbidden not in body
    assert '<rect width="5" height="5"/>' in body and "<svg" in body


def test_a_scrolling_table_becomes_a_keyboard_region_and_headings_keep_their_level():
    fragment = '<h2>Jednání</h2><div class="table-wrap"><table><tr><td>1</td></tr></table></div>'
    body = str(body_of(fragment, demote=False, scroll_label="Tabulka"))
    assert body.startswith("<h2>Jednání</h2>")
    assert '<div class="table-wrap" tabindex="0" role="region" aria-label="Tabulka">' in body


def test_inline_checks_share_one_time_budget(group_year, app, monkeypatch):
    group, coordinator, _people, _meetings = group_year
    made = [keeping.generate(group, date(year, 1, 1), date(year, 12, 31), "cs", foreword=None, notes=None,
                             author=coordinator) for year in (2023, 2024, 2025)]
    for version in made:
        version.collect_ms = 100  # as if each took 0.1 s to gather
    db.session.commit()
    monkeypatch.setitem(app.config, "REPORTS_CHECK_TTL", 0)
    monkeypatch.setitem(app.config, "REPORTS_INLINE_CHECK_MS", 250)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        queued = keeping.refresh_checks(group, made, actor=coordinator)
    # The two newest years fit the budget and are checked at once; the oldest goes to a job.
    assert [job.payload["start"] for job in queued] == ["2023-01-01"]
    db.session.rollback()


def test_the_embedded_html_drops_disguised_script_links_and_svg_animations():
    """Browsers ignore tabs, newlines and leading control characters in a URL scheme ("java&#9;script:"),
    and SVG animations can set a link's target: neither survives the filter (defence in depth under the CSP
    and the escaping of every text when the report is rendered)."""
    stored = ('<body><a href="java&#9;script:alert(1)">a</a><a href="&#1;javascript:alert(2)">b</a>'
              '<a href="java&#10;script:alert(3)">c</a>'
              '<svg><a href="#x"><animate attributeName="href" values="javascript:alert(4)"/>'
              '<set attributeName="href" to="javascript:alert(5)"/><text>d</text></a>'
              '<foreignObject><div>e</div></foreignObject></svg><a href="https://example.org/">f</a></body>')
    body = str(body_of(stored))
    assert "alert" not in body and "<animate" not in body and "<set" not in body
    assert "foreignobject" not in body.lower()
    assert ">a</a>" in body and ">d</text>" in body and 'href="https://example.org/"' in body
