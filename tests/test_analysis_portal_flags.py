"""The flag workflow: states with notes and history, agenda links, identity across years, exports, and a
constant number of queries on the list pages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from portal.analysis import School
from portal.analysis_portal import links, services
from portal.extensions import db
from portal.models import AgendaItem, AnalysisFlag, FlagLink, FlagOccurrence
from portal.models.base import utcnow
from tests.conftest import days_from_now, make_meeting
from tests.forms_helper import hidden_fields
from tests.test_analysis_portal_fixtures import import_sample, token

SPREAD_CLASS = "disadvantaged_spread_classes"


@pytest.fixture
def territory(factories):
    return factories.territory("MAP ORP Vzorov", "vzorov")


@pytest.fixture
def coordinator(factories, territory):
    return factories.user("coordinator", territory=territory)


def first_flag(rule: str = SPREAD_CLASS) -> AnalysisFlag:
    return db.session.scalars(
        select(AnalysisFlag).where(AnalysisFlag.rule == rule).order_by(AnalysisFlag.id)).first()


# ---- states -------------------------------------------------------------------------------------------


def test_allowed_transitions_and_notes(territory, coordinator):
    import_sample(territory, years=("2025/26",))
    flag = first_flag()
    assert flag.state == "new"
    with pytest.raises(services.AnalysisError):
        services.change_state(flag, "addressed", note=None, actor=coordinator)  # new → addressed: not allowed
    with pytest.raises(services.AnalysisError):
        services.change_state(flag, "closed", note="  ", actor=coordinator)  # closing needs a note
    services.change_state(flag, "discussed", note=None, actor=coordinator)
    services.change_state(flag, "addressed", note="Návrh aktivity: asistent pedagoga.", actor=coordinator)
    services.change_state(flag, "monitored", note=None, actor=coordinator)
    services.change_state(flag, "closed", note="Rozdíly mezi třídami zmizely.", actor=coordinator)
    with pytest.raises(services.AnalysisError):
        services.change_state(flag, "discussed", note="", actor=coordinator)  # reopening needs a note
    services.change_state(flag, "discussed", note="Znovu otevřeno.", actor=coordinator)
    db.session.commit()
    events = [(e.from_state, e.to_state, e.actor_id) for e in flag.events]
    assert events == [("new", "discussed", coordinator.id), ("discussed", "addressed", coordinator.id),
                      ("addressed", "monitored", coordinator.id), ("monitored", "closed", coordinator.id),
                      ("closed", "discussed", coordinator.id)]
    for state, targets in services.TRANSITIONS.items():
        assert state not in targets and set(targets) <= set(services.STATE_LABELS)


def test_state_change_through_the_page_shows_in_the_history(client, login_as, territory, coordinator):
    import_sample(territory, years=("2025/26",))
    flag = first_flag()
    login_as(coordinator)
    url = f"/analysis/flags/{flag.id}/state"
    response = client.post(url, data={**hidden_fields(client, url, "version"), "state": "closed",
                                      "link_id": "0", "note": ""})
    assert response.status_code == 200 and "field-error" in response.get_data(as_text=True)
    assert db.session.get(AnalysisFlag, flag.id).state == "new"
    response = client.post(url, data={**hidden_fields(client, url, "version"), "state": "closed",
                                      "link_id": "0", "note": "Třídy byly sloučeny."})
    assert response.status_code == 302
    html = client.get(f"/analysis/flags/{flag.id}").get_data(as_text=True)
    assert "Třídy byly sloučeny." in html and coordinator.name in html


# ---- agenda ---------------------------------------------------------------------------------------------


def test_put_on_agenda_adds_the_last_item_and_links_it(client, login_as, territory, coordinator):
    import_sample(territory, years=("2025/26",))
    flag = first_flag()
    meeting = make_meeting(territory=territory, title="Jednání PS v březnu")
    db.session.add(AgendaItem(meeting_id=meeting.id, position=1, title="Zahájení"))
    meeting.updated_at = utcnow() - timedelta(days=3)
    db.session.commit()
    before = meeting.updated_at
    login_as(coordinator)
    url = f"/analysis/flags/{flag.id}/agenda"
    assert "Jednání PS v březnu" in client.get(url).get_data(as_text=True)
    response = client.post(url, data={"csrf_token": token(client, url), "meeting_id": meeting.id})
    assert response.status_code == 302
    db.session.expire_all()
    items = db.session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                               .order_by(AgendaItem.position)).all()
    assert [i.title for i in items][0] == "Zahájení"
    assert items[-1].position == 2 and items[-1].title.startswith("Signál k prověření: ")
    assert meeting.updated_at > before
    link = db.session.scalar(select(FlagLink))
    assert (link.flag_id, link.agenda_item_id) == (flag.id, items[-1].id)
    flag = db.session.get(AnalysisFlag, flag.id)
    assert flag.state == "new"  # the coordinator moves the state explicitly
    assert [e.kind for e in flag.events] == ["agenda"] and flag.events[0].link_id == link.id
    # Twice on the same meeting is refused.
    response = client.post(url, data={"csrf_token": token(client, url), "meeting_id": meeting.id})
    assert response.status_code == 200 and "field-error" in response.get_data(as_text=True)

    # The state change can say where it was handled; the history links to the meeting.
    state_url = f"/analysis/flags/{flag.id}/state"
    client.post(state_url, data={**hidden_fields(client, state_url, "version"), "state": "discussed",
                                 "link_id": link.id, "note": "Projednáno."})
    html = client.get(f"/analysis/flags/{flag.id}").get_data(as_text=True)
    assert f"/meetings/{meeting.id}" in html and "Jednání PS v březnu" in html and "Projednáno." in html

    # The meeting page lists the flag under its agenda item.
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f"/analysis/flags/{flag.id}" in page


def test_the_meeting_page_hides_flags_from_other_people(client, login_as, territory, coordinator):
    import_sample(territory, years=("2025/26",))
    flag = first_flag()
    meeting = make_meeting(territory=territory)
    services.put_on_agenda(flag, meeting, actor=coordinator)
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}")
    assert page.status_code == 200 and f"/analysis/flags/{flag.id}" not in page.get_data(as_text=True)
    assert links.flags_on_agenda(meeting, None) == {}


def test_flags_on_agenda_is_one_query(territory, coordinator):
    import_sample(territory, years=("2025/26",))
    meeting = make_meeting(territory=territory)
    flags = db.session.scalars(select(AnalysisFlag).order_by(AnalysisFlag.id).limit(4)).all()
    for flag in flags:
        services.put_on_agenda(flag, meeting, actor=coordinator)
    db.session.commit()
    db.session.expire_all()
    assert meeting.id and coordinator.role  # loaded before counting
    with count_queries() as queries:
        result = links.flags_on_agenda(meeting, coordinator)
    assert len(queries) == 1
    assert sorted(f.id for fs in result.values() for f in fs) == sorted(f.id for f in flags)


def test_cancelled_or_past_meetings_cannot_take_flags(territory, coordinator):
    import_sample(territory, years=("2025/26",))
    flag = first_flag()
    for meeting in (make_meeting(territory=territory, status="cancelled"),
                    make_meeting(territory=territory, starts_at=days_from_now(-3))):
        with pytest.raises(services.AnalysisError):
            services.put_on_agenda(flag, meeting, actor=coordinator)


# ---- identity across years ---------------------------------------------------------------------------


def test_a_recurring_flag_keeps_its_identity_and_state(territory, coordinator):
    import_sample(territory, years=("2023/24",))
    flag = first_flag()
    flag_id, identity = flag.id, flag.identity
    services.change_state(flag, "discussed", note=None, actor=coordinator)
    db.session.commit()
    import_sample(territory, years=("2024/25", "2025/26"))
    same = db.session.scalars(select(AnalysisFlag).where(AnalysisFlag.identity == identity)).all()
    assert [f.id for f in same] == [flag_id]
    flag = same[0]
    assert flag.state == "discussed"
    assert (flag.first_seen_year, flag.last_seen_year) == ("2023/24", "2025/26")
    assert [o.school_year for o in flag.occurrences] == ["2023/24", "2024/25", "2025/26"]


def test_a_closed_flag_that_recurs_is_reopened_and_says_so_in_its_history(territory, coordinator):
    import_sample(territory, years=("2023/24",))
    flag = first_flag()
    services.change_state(flag, "closed", note="Vyřešeno.", actor=coordinator)
    db.session.commit()
    import_sample(territory, years=("2024/25",))
    flag = db.session.get(AnalysisFlag, flag.id)
    assert flag.state == "new"
    last = flag.events[-1]
    assert (last.kind, last.school_year) == ("recurred", "2024/25")
    assert (last.from_state, last.to_state) == ("closed", "new")


def test_a_monitored_flag_that_recurs_stays_monitored(territory, coordinator):
    import_sample(territory, years=("2023/24",))
    flag = first_flag()
    for state in ("discussed", "monitored"):
        services.change_state(flag, state, note="Sledujeme.", actor=coordinator)
    db.session.commit()
    import_sample(territory, years=("2024/25",))
    flag = db.session.get(AnalysisFlag, flag.id)
    assert flag.state == "monitored"
    assert [(e.kind, e.school_year) for e in flag.events][-1] == ("recurred", "2024/25")


def test_replacing_a_year_without_the_flag_recomputes_its_years(territory, coordinator):
    import_sample(territory)
    flag = first_flag()
    identity = flag.identity
    # 2025/26 again, but with every class of that grade alike: the class flag does not recur that year.
    schools = [School("2025/26", "ORP Vzorov", "9", "ZŠ Jediná", "ZS", 100, 10)]
    services.import_year(territory.id, "2025/26", schools, [], has_classes=True, source="x",
                         actor=coordinator)
    db.session.commit()
    flag = db.session.scalar(select(AnalysisFlag).where(AnalysisFlag.identity == identity))
    assert flag.last_seen_year == "2024/25"
    assert "2025/26" not in [o.school_year for o in flag.occurrences]
    assert db.session.scalar(select(func.count()).select_from(FlagOccurrence).where(
        FlagOccurrence.school_year == "2025/26")) < 10


# ---- lists and exports ---------------------------------------------------------------------------------


def test_pair_flags_are_grouped_into_findings(client, login_as, territory):
    import_sample(territory, years=("2025/26",))
    login_as("member", territory=territory)
    html = client.get("/analysis/flags?rule=disadvantaged_spread_schools").get_data(as_text=True)
    assert html.count('class="finding"') == 1
    assert "se v podílu znevýhodněných žáků navzájem liší" in html
    assert html.count("/analysis/flags/") == 7  # the sites listed under the one finding
    assert "segregace" not in html.replace("není zjištěním segregace", "")


def test_filters_and_pagination(client, login_as, territory, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 5)
    import_sample(territory)
    login_as("member", territory=territory)
    everything = client.get("/analysis/flags").get_data(as_text=True)
    assert 'rel="next"' in everything
    page2 = client.get("/analysis/flags?page=2")
    assert page2.status_code == 200 and 'rel="prev"' in page2.get_data(as_text=True)
    info = client.get("/analysis/flags?severity=info&year=2024/25").get_data(as_text=True)
    assert "Informativní" in info and "příručka II.6" not in info
    school = client.get("/analysis/flags?school=102001003&state=new").get_data(as_text=True)
    assert "ZŠ Vzorov, Sídliště Jih" in school and "ZŠ Horní Ves</a>" not in school
    assert "empty-state" in client.get("/analysis/flags?state=closed").get_data(as_text=True)


def test_exports_are_neutralised(client, login_as, territory):
    schools = [School("2025/26", "ORP Vzorov", "1", "=HYPERLINK(\"http://x\")", "ZS", 100, 60),
               School("2025/26", "ORP Vzorov", "2", "ZŠ Druhá", "ZS", 100, 5)]
    services.import_year(territory.id, "2025/26", schools, [], has_classes=False, source="t", actor=None)
    db.session.commit()
    login_as("coordinator", territory=territory)
    body = client.get("/analysis/flags/export.csv").get_data().decode("utf-8-sig")
    names = [row[8] for row in csv.reader(io.StringIO(body), delimiter=";")][1:]
    assert "'=HYPERLINK(\"http://x\")" in names
    workbook = load_workbook(io.BytesIO(client.get("/analysis/flags/export.xlsx").get_data()))
    cells = [c.value for row in workbook.active.iter_rows() for c in row]
    assert "'=HYPERLINK(\"http://x\")" in cells
    assert all(c.data_type != "f" for row in workbook.active.iter_rows() for c in row)
    indices = client.get("/analysis/indices/export.csv").get_data().decode("utf-8-sig")
    assert indices.splitlines()[0].startswith("level;school_year;territory")
    assert "0.325" in indices  # the pooled share 65 / 200


# ---- a constant number of queries ----------------------------------------------------------------------


class count_queries:
    def __enter__(self):
        self.statements: list[str] = []
        event.listen(db.engine, "before_cursor_execute", self._record)
        return self.statements

    def _record(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._record)


@pytest.mark.parametrize("url", ["/analysis/flags", "/analysis/flags?year=2024/25", "/analysis/",
                                 "/analysis/schools/102001003"])
def test_pages_make_the_same_number_of_queries_for_small_and_large_data(client, login_as, factories, url):
    small_territory = factories.territory("MAP ORP Malé", "male")
    large_territory = factories.territory("MAP ORP Velké", "velke")
    import_sample(small_territory, years=("2024/25",))
    import_sample(large_territory)
    counts = []
    for territory in (small_territory, large_territory):
        login_as("coordinator", territory=territory)
        client.get(url)  # warm up (first-request work)
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] < 20
