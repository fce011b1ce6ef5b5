"""The proposal pages through the test client: create and edit (bad cost refused, nothing changed), state
changes with a confirmation page, the list's filters and exports, the flag page's proposals, the dashboard's
overdue milestones, and a constant number of SQL queries on the list (2,000 proposals) and a proposal page."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import time_machine
from openpyxl import load_workbook
from sqlalchemy import func, insert, select

from portal.extensions import db as _db
from portal.models import Proposal
from portal.proposals import services, workflow
from tests.forms_helper import hidden_fields
from tests.proposals_helpers import make_flag, make_proposal, world
from tests.test_page_queries import counted

FORM = {"title": "Kroužek pro budoucí prvňáčky", "description": "", "kind": "school",
        "target_group": "děti z MŠ", "organisations": "MŠ Sluníčko", "transition": "ms_zs",
        "klima": ["K", "I"], "expected_cost": "40 000", "funding_source": "rozpočet obce"}


def test_a_member_proposes_an_activity_and_a_replayed_form_creates_nothing_new(client, login_as, db):
    w = world()
    login_as(w.author)
    hidden = hidden_fields(client, "/proposals/new", needs="once")
    response = client.post("/proposals/new", data={**hidden, **FORM, "group_id": w.group.id})
    assert response.status_code == 302
    proposal = _db.session.scalars(select(Proposal)).one()
    assert (proposal.title, proposal.state, proposal.author_id, proposal.klima) == (
        FORM["title"], "draft", w.author.id, "KI")
    again = client.post("/proposals/new", data={**hidden, **FORM, "group_id": w.group.id})
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/proposals/{proposal.id}")
    assert _db.session.scalar(select(func.count()).select_from(Proposal)) == 1
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Kroužek pro budoucí prvňáčky" in page and "Koncept" in page


def test_a_bad_cost_in_the_form_gets_a_message_and_changes_nothing(client, login_as, db):
    w = world()
    proposal = make_proposal(w)
    login_as(w.author)
    for cost in ("-500", "hodně"):
        hidden = hidden_fields(client, f"/proposals/{proposal.id}/edit", needs="version")
        response = client.post(f"/proposals/{proposal.id}/edit",
                               data={**hidden, **FORM, "expected_cost": cost}, follow_redirects=True)
        text = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "nemůže být záporná" in text or "musí být číslo" in text
    _db.session.expire_all()
    stored = _db.session.get(Proposal, proposal.id)
    assert str(stored.expected_cost) == "125000.50"
    assert stored.title == "Doučování žáků před přechodem na 2. stupeň"


def test_an_outdated_edit_is_refused_with_the_stored_values(client, login_as, db):
    w = world()
    proposal = make_proposal(w)
    login_as(w.author)
    hidden = hidden_fields(client, f"/proposals/{proposal.id}/edit", needs="version")
    services.update_proposal(proposal, {**FORM, "title": "Mezitím změněno"}, actor=w.coordinator,
                             seen_version=proposal.version)
    _db.session.commit()
    response = client.post(f"/proposals/{proposal.id}/edit", data={**hidden, **FORM, "title": "Moje verze"})
    assert response.status_code == 409
    _db.session.expire_all()
    assert _db.session.get(Proposal, proposal.id).title == "Mezitím změněno"


def test_returning_asks_for_reasons_on_a_confirmation_page(client, login_as, db):
    w = world()
    proposal = make_proposal(w, "submitted")
    login_as(w.author)
    assert client.get(f"/proposals/{proposal.id}/state/returned").status_code == 403
    login_as(w.coordinator)
    url = f"/proposals/{proposal.id}/state/returned"
    hidden = hidden_fields(client, url, needs="version")
    refused = client.post(url, data={**hidden, "reason": ""})
    assert refused.status_code == 200 and "Uveďte" in refused.get_data(as_text=True)
    assert client.post(url, data={**hidden, "reason": "Chybí indikátory."}).status_code == 302
    _db.session.expire_all()
    assert _db.session.get(Proposal, proposal.id).state == "returned"
    assert client.get(f"/proposals/{proposal.id}/state/nonsense").status_code == 404


def test_a_members_draft_is_hidden_from_other_members(client, login_as, db):
    w = world()
    draft = make_proposal(w)
    submitted = make_proposal(w, "submitted", title="Odeslaný návrh")
    login_as(w.member)
    assert client.get(f"/proposals/{draft.id}").status_code == 404
    assert client.get(f"/proposals/{submitted.id}").status_code == 200
    listing = client.get("/proposals/").get_data(as_text=True)
    assert "Odeslaný návrh" in listing and "Doučování žáků" not in listing
    login_as(w.outsider)
    assert client.get(f"/proposals/{submitted.id}").status_code == 404


def test_the_list_filters_and_exports(client, login_as, db):
    w = world()
    flag = make_flag(w.territory)
    a = make_proposal(w, "submitted", title="Adaptační kurz", transition="zs_gym", klima=["M"])
    make_proposal(w, "assessed", title="Letní škola", transition="ms_zs", klima=["K"])
    services.link_signal(a, flag, actor=w.author)
    _db.session.commit()
    login_as(w.coordinator)

    def titles(query: str) -> set[str]:
        text = client.get(f"/proposals/?{query}").get_data(as_text=True)
        return {t for t in ("Adaptační kurz", "Letní škola") if t in text}

    assert titles("") == {"Adaptační kurz", "Letní škola"}
    assert titles("state=assessed") == {"Letní škola"}
    assert titles("verdict=compliant") == {"Letní škola"}
    assert titles("transition=zs_gym") == {"Adaptační kurz"}
    assert titles("klima=M") == {"Adaptační kurz"}
    assert titles(f"signal={flag.id}") == {"Adaptační kurz"}
    assert titles(f"group={w.group.id}&year={date.today().year}") == {"Adaptační kurz", "Letní škola"}
    assert titles("year=2001") == set()
    csv = client.get("/proposals/export.csv?state=submitted")
    assert csv.status_code == 200
    assert "n%C3%A1vrhy" in csv.headers["Content-Disposition"]
    body = csv.get_data().decode("utf-8-sig")
    assert "Adaptační kurz" in body and "Letní škola" not in body
    xlsx = client.get("/proposals/export.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    titles_in_sheet = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert titles_in_sheet == {"Adaptační kurz", "Letní škola"}


def test_the_flag_page_lists_the_proposals_that_respond_to_it(client, login_as, db):
    w = world()
    flag = make_flag(w.territory)
    proposal = make_proposal(w, "submitted", title="Odpověď na signál")
    services.link_signal(proposal, flag, actor=w.author)
    _db.session.commit()
    login_as(w.coordinator)
    page = client.get(f"/analysis/flags/{flag.id}").get_data(as_text=True)
    assert "Odpověď na signál" in page and f"/proposals/{proposal.id}" in page
    assert "ZŠ Signálová 1" in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


def test_overdue_milestones_show_on_the_coordinators_dashboard(client, login_as, db):
    w = world()
    proposal = make_proposal(w, "adopted", title="Adoptovaná aktivita")
    services.add_milestone(proposal, {"title": "Nábor lektorů", "due_on": date(2026, 1, 31),
                                      "target_value": "3"}, actor=w.coordinator)
    _db.session.commit()
    with time_machine.travel(datetime(2026, 3, 1, 10, tzinfo=UTC), tick=False):
        login_as(w.coordinator)
        assert "Nábor lektorů" in client.get("/").get_data(as_text=True)
        login_as(w.member)
        assert "Nábor lektorů" not in client.get("/").get_data(as_text=True)


def _many(w, n: int) -> None:
    now = datetime.now(UTC)
    _db.session.execute(insert(Proposal), [
        {"territory_id": w.territory.id, "group_id": w.group.id, "author_id": w.author.id,
         "title": f"Návrh {i}", "description": "", "state": "submitted", "created_at": now, "updated_at": now,
         "kind": "school", "target_group": "", "organisations": "", "transition": "none", "klima": "K",
         "funding_source": "", "version": 1} for i in range(n)])
    _db.session.commit()


def _statements(client, url: str) -> int:
    client.get(url)
    with counted(_db) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_list_of_2000_proposals_makes_as_many_queries_as_a_short_one(client, login_as, db):
    w = world()
    login_as(w.coordinator)
    _many(w, 20)
    few = _statements(client, "/proposals/")
    _many(w, 1980)
    assert _db.session.scalar(select(func.count()).select_from(Proposal)) == 2000
    assert _statements(client, "/proposals/") == few
    assert _statements(client, "/proposals/?page=40&klima=K") == few


def test_a_proposal_page_makes_a_constant_number_of_queries(client, login_as, db):
    w = world()
    small = make_proposal(w, "assessed", title="Malý")
    big = make_proposal(w, "assessed", title="Velký")
    for p, n in ((small, 1), (big, 6)):
        for i in range(n):
            services.link_signal(p, make_flag(w.territory, 100 * p.id + i), actor=w.coordinator)
    for p in (small, big):
        workflow.transition(p, "adopted", actor=w.coordinator)
    for i in range(5):
        services.add_milestone(big, {"title": f"Milník {i}", "due_on": date(2027, 1, 1 + i)},
                               actor=w.coordinator)
    services.request_funding_opinion(big, w.financing, actor=w.coordinator)
    services.record_funding_opinion(big, "Ano.", actor=w.finance_coordinator)
    services.add_milestone(small, {"title": "Jediný", "due_on": date(2027, 1, 1)}, actor=w.coordinator)
    services.request_funding_opinion(small, w.financing, actor=w.coordinator)
    services.record_funding_opinion(small, "Ano.", actor=w.finance_coordinator)
    _db.session.commit()
    login_as(w.coordinator)
    assert _statements(client, f"/proposals/{big.id}") == _statements(client, f"/proposals/{small.id}")
