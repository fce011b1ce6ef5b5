"""Consultation results: counts and "< 3", charts beside tables, free texts and tags, exports with the
formula guard, respondents of named consultations only, and nothing that ties an anonymous answer to a
person on any page or export, even for an administrator."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from portal.consultations import results
from portal.models.consultations import AnswerTag, ConsultationAnswer
from tests.conftest import add_member, csrf_token, make_group, make_territory, make_user
from tests.consultations_factories import add_response, invite, make_consultation
from tests.test_page_queries import counted

pytestmark = pytest.mark.usefixtures("app")


def coordinated_group(login_as, role="coordinator"):
    """A group and its coordinator (a portal member who chairs it), signed in."""
    territory = make_territory()
    group = make_group(territory)
    coordinator = login_as(role, territory=territory)
    if role == "member":
        add_member(group, coordinator, role="coordinator")
    return group, coordinator


def closed_times():
    now = datetime.now(UTC)
    return {"opens_at": now - timedelta(days=10), "closes_at": now - timedelta(days=1)}


def csv_rows(response) -> list[list[str]]:
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


# ---- counts, "< 3", charts -------------------------------------------------------------------------------


def test_results_page_shows_participation_counts_and_small_counts_as_less_than_three(client, login_as):
    group, _ = coordinated_group(login_as, role="member")
    c = make_consultation(group, audience="invited")
    for n in range(5):
        invite(c, f"rodic{n}@test.example")
    for i in range(4):
        add_response(c, user=make_user("parent"), single=0 if i < 3 else 1, multiple=(0,), scale=4)
    page = client.get(f"/consultations/{c.id}/results")
    assert page.status_code == 200
    html = page.data.decode()
    assert "80,0" in html  # 4 of 5 invited answered
    # "Ano" chosen 3 times: a number; "Ne" once and "Nevím" never: "< 3", in table and chart alike.
    table = html.split("<caption>", 2)[1]
    assert re.search(r"Ano</th><td class=\"num\">3</td>", table)
    assert re.search(r"Ne</th><td class=\"num\">&lt; 3</td>", table)
    assert re.search(r"Nevím</th><td class=\"num\">&lt; 3</td>", table)
    assert ">1<" not in table.split("</table>")[0]
    # The chart draws the small counts as hatched bands, not as exact bars.
    assert html.count('class="bar-small"') >= 2
    svg = html.split("<svg", 1)[1].split("</svg>")[0]
    assert svg.count('class="value"') == 3 and "&lt; 3" in svg
    # Scale: 4 answers of "4", the rows under 3 hold none: mean shown; free text: a count and a link to the
    # texts page.
    assert "4,00" in html
    assert f"/consultations/{c.id}/results/texts" in html


def test_small_bar_says_nothing_the_table_does_not():
    rows_with_zero = results.bar_chart((results.reads.Row("Ano", 10), results.reads.Row("Ne", 0)))
    rows_with_two = results.bar_chart((results.reads.Row("Ano", 10), results.reads.Row("Ne", 2)))
    assert rows_with_zero == rows_with_two
    assert rows_with_two.bars[1].small and rows_with_two.bars[1].shown == "< 3"
    assert rows_with_two.bars[0].width > rows_with_two.bars[1].width


def test_scale_mean_is_hidden_below_three_answers(client, login_as):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group)
    add_response(c, scale=5)
    add_response(c, scale=1)
    html = client.get(f"/consultations/{c.id}/results").data.decode()
    assert "3,00" not in html
    views = results.question_views(c)
    assert views[2].mean is None and views[2].result.mean == 3.0


def test_empty_results_say_what_to_do(client, login_as):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group)
    html = client.get(f"/consultations/{c.id}/results").data.decode()
    assert "empty-state" in html


def test_results_texts_and_export_queries_do_not_grow_with_answers(client, login_as, db):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group)
    add_response(c)

    pages = (f"/consultations/{c.id}/results", f"/consultations/{c.id}/results/texts",
             f"/consultations/{c.id}/results.csv")

    def statements() -> list[int]:
        sizes = []
        for url in pages:
            client.get(url)
            with counted(db) as seen:
                assert client.get(url).status_code == 200
            sizes.append(len(seen))
        return sizes

    few = statements()
    for i in range(30):
        add_response(c, single=i % 3, multiple=(i % 3, (i + 1) % 3), scale=1 + i % 5, text=f"Text {i}")
    assert statements() == few


# ---- who sees results ----------------------------------------------------------------------------------


def test_members_see_aggregate_results_only_after_close(client, login_as, factories):
    territory = make_territory()
    group = make_group(territory, public=False)
    c = make_consultation(group, anonymous=True)
    add_response(c)
    member = login_as("parent", territory=territory)
    add_member(group, member, category="parent")
    assert client.get(f"/consultations/{c.id}/results").status_code == 403  # still open
    c.opens_at, c.closes_at = closed_times().values()
    results.db.session.commit()
    page = client.get(f"/consultations/{c.id}/results")
    assert page.status_code == 200
    assert f"/consultations/{c.id}/results/texts" not in page.data.decode()  # no free texts for members
    assert client.get(f"/consultations/{c.id}/results.csv").status_code == 403


def test_outsiders_do_not_learn_that_results_exist(client, login_as):
    territory = make_territory()
    c = make_consultation(make_group(territory, public=False), audience="invited", **closed_times())
    login_as("member", territory=territory)
    for url in (f"/consultations/{c.id}/results", f"/consultations/{c.id}/results/texts",
                f"/consultations/{c.id}/results.csv", f"/consultations/{c.id}/respondents"):
        assert client.get(url).status_code == 404, url


def test_a_participant_who_is_not_a_manager_is_refused(client, login_as):
    c = make_consultation(audience="link")
    login_as("member")
    assert client.get(f"/consultations/{c.id}/results").status_code == 403
    assert client.get(f"/consultations/{c.id}/results/texts").status_code == 403
    assert client.get(f"/consultations/{c.id}/results.xlsx").status_code == 403


def test_unknown_export_format_is_not_found(client, login_as):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group)
    assert client.get(f"/consultations/{c.id}/results.pdf").status_code == 404


# ---- anonymity -----------------------------------------------------------------------------------------


def anonymous_with_known_people():
    """An anonymous consultation answered by people whose names and e-mails we know (and look for)."""
    # Closed (its results wait for the close), at fixed times that cannot look like the submission times.
    c = make_consultation(anonymous=True, allow_without_account=True,
                          opens_at=datetime(2026, 3, 1, 7, 0, tzinfo=UTC),
                          closes_at=datetime(2026, 3, 20, 15, 0, tzinfo=UTC))
    people = [make_user("parent", name=f"Rodič Zvláštní{n}", email=f"zvlastni{n}@test.example")
              for n in range(4)]
    stamps = [datetime(2026, 3, 14, 9, 26, 53, tzinfo=UTC) + timedelta(minutes=n) for n in range(4)]
    responses = [add_response(c, user=p, text=f"Text číslo {n}", submitted_at=stamps[n])
                 for n, p in enumerate(people)]
    for p in people:
        invite(c, p.email, p)
    return c, people, responses


def assert_no_trace(body: str, people, responses, c) -> None:
    for person in people:
        assert person.name not in body
        assert person.email not in body
    # Their submission times (UTC and Prague) appear nowhere.
    assert "2026-03-14" not in body and "14. 3. 2026" not in body
    assert not re.search(r"\b(09|10):2[6-9]\b", body)
    answer_ids = [a.id for r in responses for a in r.answers]
    for ref in re.findall(r'name="answer" value="([^"]+)"', body):
        assert not ref.isdigit() and int(ref, 16) not in answer_ids


def test_anonymous_results_texts_and_exports_hold_no_trace_of_anyone_even_for_an_administrator(
        client, login_as):
    c, people, responses = anonymous_with_known_people()
    login_as("admin")
    for url in (f"/consultations/{c.id}/results", f"/consultations/{c.id}/results/texts"):
        page = client.get(url)
        assert page.status_code == 200, url
        assert_no_trace(page.data.decode(), people, responses, c)
    csv_response = client.get(f"/consultations/{c.id}/results.csv")
    rows = csv_rows(csv_response)
    assert "Respondent" not in rows[0] and "Respondent" not in " ".join(rows[0])
    assert len(rows[0]) == 5
    assert_no_trace(csv_response.data.decode("utf-8-sig"), people, responses, c)
    texts = [row for row in rows if row[2].startswith("Text číslo")]
    assert len(texts) == 4 and all(row[3] == "" and row[4] == "" for row in texts)  # no id, no time
    workbook = client.get(f"/consultations/{c.id}/results.xlsx")
    cells = [str(v) for row in xlsx_rows(workbook) for v in row if v is not None]
    assert_no_trace(" ".join(cells), people, responses, c)
    assert not any(isinstance(v, datetime) for row in xlsx_rows(workbook) for v in row)
    assert client.get(f"/consultations/{c.id}/respondents").status_code == 404


def test_anonymous_texts_are_in_a_stable_order_that_is_not_submission_order(client, login_as):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group, anonymous=True, **closed_times())
    for n in range(12):
        add_response(c, text=f"Postřeh {n:02d}")
    first = re.findall(r"Postřeh (\d\d)", client.get(f"/consultations/{c.id}/results/texts").data.decode())
    again = re.findall(r"Postřeh (\d\d)", client.get(f"/consultations/{c.id}/results/texts").data.decode())
    assert sorted(first) == [f"{n:02d}" for n in range(12)]
    assert first == again
    assert first != sorted(first) and first != sorted(first, reverse=True)
    exported = [row[2] for row in csv_rows(client.get(f"/consultations/{c.id}/results.csv"))
                if row[2].startswith("Postřeh")]
    assert [t[-2:] for t in exported] == first


def test_an_open_anonymous_consultation_shows_participation_but_no_answers_until_it_closes(client, login_as):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group, anonymous=True)
    for n in range(4):
        add_response(c, text=f"Postřeh {n}")
    page = client.get(f"/consultations/{c.id}/results").data.decode()
    # How many answered is there all along; what they answered is not, nor links to texts and exports.
    assert "Postřeh" not in page and 'class="question-result"' not in page and "až bude uzavřena" not in page
    assert f"/consultations/{c.id}/results.csv" not in page
    for url in (f"/consultations/{c.id}/results/texts", f"/consultations/{c.id}/results.csv",
                f"/consultations/{c.id}/results.xlsx"):
        refused = client.get(url)
        assert refused.status_code == 302
        assert refused.headers["Location"].endswith(f"/consultations/{c.id}/results")
    # Named consultations show their results while open (the coordinators see who answered anyway).
    named = make_consultation(group)
    add_response(named)
    assert 'class="question-result"' in client.get(f"/consultations/{named.id}/results").data.decode()
    # Once it has closed, everything is there.
    c.opens_at, c.closes_at = closed_times().values()
    results.db.session.commit()
    assert "Postřeh" in client.get(f"/consultations/{c.id}/results/texts").data.decode()


# ---- named consultations -------------------------------------------------------------------------------


def test_named_respondents_are_listed_for_managers_only(client, login_as):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group, audience="invited")
    jana = make_user("parent", name="Jana Dvořáková", email="jana@test.example")
    add_response(c, user=jana, text="Chybí asistent.")
    page = client.get(f"/consultations/{c.id}/respondents")
    assert page.status_code == 200 and "Jana Dvořáková" in page.data.decode()
    assert "Jana Dvořáková" in client.get(f"/consultations/{c.id}/results/texts").data.decode()
    rows = csv_rows(client.get(f"/consultations/{c.id}/results.csv"))
    assert len(rows[0]) == 6
    assert any(row[-1] == "Jana Dvořáková" and row[2] == "Chybí asistent." for row in rows)
    assert any(row[-1] == "Jana Dvořáková" and row[2] == "Ano" for row in rows)
    # A member of the group, after the close, sees aggregates but not who answered.
    c.opens_at, c.closes_at = closed_times().values()
    results.db.session.commit()
    member = login_as("member", territory=group.territory)
    add_member(group, member)
    assert client.get(f"/consultations/{c.id}/results").status_code == 200
    assert "Jana Dvořáková" not in client.get(f"/consultations/{c.id}/results").data.decode()
    assert client.get(f"/consultations/{c.id}/respondents").status_code == 403


def test_respondents_list_is_paginated_and_counts_deleted_accounts(client, login_as, app):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group)
    for n in range(app.config["PAGE_SIZE"] + 2):
        add_response(c, user=make_user("parent", name=f"Rodič {n:03d}"))
    add_response(c)  # an answer whose account was deleted
    first = client.get(f"/consultations/{c.id}/respondents").data.decode()
    assert "Rodič 000" in first and f"Rodič {app.config['PAGE_SIZE'] + 1:03d}" not in first
    assert 'rel="next"' in first
    second = client.get(f"/consultations/{c.id}/respondents?page=2").data.decode()
    assert f"Rodič {app.config['PAGE_SIZE'] + 1:03d}" in second
    assert results.deleted_accounts(c) == 1
    assert "1 answer is kept without a name" in first or "1 odpověď je uchována bez jména" in first


# ---- tags ----------------------------------------------------------------------------------------------


def refs_on(client, c) -> list[str]:
    return re.findall(r'name="answer" value="([^"]+)"', client.get(f"/consultations/{c.id}/results/texts")
                      .data.decode())


def test_tags_are_added_counted_filtered_and_removed(client, login_as):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group, anonymous=True, **closed_times())
    add_response(c, text="Autobus jezdí pozdě.")
    add_response(c, text="Družina končí brzy.")
    add_response(c, text="Autobus je plný.")
    token = csrf_token(client, f"/consultations/{c.id}/results/texts")
    html = client.get(f"/consultations/{c.id}/results/texts").data.decode()
    items = re.findall(r'id="answer-([0-9a-f]+)".*?<blockquote class="answer-text">(.*?)</blockquote>', html,
                       re.S)
    refs = {text: ref for ref, text in items}
    for text in ("Autobus jezdí pozdě.", "Autobus je plný."):
        response = client.post(f"/consultations/{c.id}/results/texts/tags",
                               data={"csrf_token": token, "answer": refs[text], "label": "  Doprava "})
        assert response.status_code == 302
    # Twice the same tag on one answer is one tag.
    client.post(f"/consultations/{c.id}/results/texts/tags",
                data={"csrf_token": token, "answer": refs["Autobus je plný."], "label": "doprava"})
    assert results.tag_counts(c) == [("doprava", 2)]
    filtered = client.get(f"/consultations/{c.id}/results/texts?tag=doprava").data.decode()
    assert "Autobus jezdí pozdě." in filtered and "Družina končí brzy." not in filtered
    assert filtered.count('class="answer-text"') == 2
    # Tags go into the export beside their text.
    rows = csv_rows(client.get(f"/consultations/{c.id}/results.csv"))
    assert any(row[2] == "Autobus je plný." and row[4] == "doprava" for row in rows)
    response = client.post(f"/consultations/{c.id}/results/texts/tags/remove",
                           data={"csrf_token": token, "answer": refs["Autobus je plný."], "label": "doprava"})
    assert response.status_code == 302
    assert results.tag_counts(c) == [("doprava", 1)]


def test_a_too_long_tag_is_refused_and_kept_in_the_form(client, login_as):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group)
    add_response(c, text="Něco")
    token = csrf_token(client, f"/consultations/{c.id}/results/texts")
    ref = refs_on(client, c)[0]
    long_tag = "x" * (results.TAG_MAX + 1)
    response = client.post(f"/consultations/{c.id}/results/texts/tags",
                           data={"csrf_token": token, "answer": ref, "label": long_tag})
    assert response.status_code == 400
    assert f'value="{long_tag}"' in response.data.decode()
    assert 'aria-invalid="true"' in response.data.decode()
    assert results.db.session.query(AnswerTag).count() == 0


def test_tags_need_csrf_and_a_real_answer(client, login_as):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group)
    add_response(c, text="Něco")
    ref = refs_on(client, c)[0]
    for action in ("tags", "tags/remove"):
        without_token = client.post(f"/consultations/{c.id}/results/texts/{action}",
                                    data={"answer": ref, "label": "a"})
        assert without_token.status_code == 400
    token = csrf_token(client, f"/consultations/{c.id}/results/texts")
    answer_id = results.db.session.query(ConsultationAnswer.id).filter(
        ConsultationAnswer.text == "Něco").scalar()
    # The database id is not a reference the page ever gave out.
    by_id = client.post(f"/consultations/{c.id}/results/texts/tags",
                        data={"csrf_token": token, "answer": str(answer_id), "label": "a"},
                        follow_redirects=True)
    assert "no longer exists" in by_id.data.decode() or "už neexistuje" in by_id.data.decode()
    assert results.db.session.query(AnswerTag).count() == 0
    # A reference of another consultation's answer does not tag it either.
    other = make_consultation(group)
    add_response(other, text="Jinde")
    other_ref = refs_on(client, other)[0]
    client.post(f"/consultations/{c.id}/results/texts/tags",
                data={"csrf_token": token, "answer": other_ref, "label": "a"})
    assert results.db.session.query(AnswerTag).count() == 0


def test_texts_are_escaped_and_paginated(client, login_as, app):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group)
    add_response(c, text='<script>alert("x")</script>')
    for n in range(app.config["PAGE_SIZE"]):
        add_response(c, text=f"Běžná odpověď {n}")
    pages = [client.get(f"/consultations/{c.id}/results/texts?page={p}").data.decode() for p in (1, 2)]
    body = "".join(pages)
    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;" in body
    assert body.count('class="answer-text"') == app.config["PAGE_SIZE"] + 1
    assert 'rel="next"' in pages[0]


# ---- exports -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_exports_neutralise_formulas_in_free_texts(client, login_as, start):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group, anonymous=True, **closed_times())
    dangerous = f'{start}HYPERLINK("http://zle.example","klik")'
    add_response(c, text=dangerous)
    rows = csv_rows(client.get(f"/consultations/{c.id}/results.csv"))
    assert "'" + dangerous in [row[2] for row in rows]
    assert dangerous not in [row[2] for row in rows]
    workbook = client.get(f"/consultations/{c.id}/results.xlsx")
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row
             if cell.value and "HYPERLINK" in str(cell.value)]
    assert cells and all(cell.data_type == "s" and str(cell.value).startswith("'") for cell in cells)


def test_export_counts_use_less_than_three_and_czech_file_names(client, login_as):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group, title="Doprava do škol")
    for i in range(4):
        add_response(c, single=0 if i < 3 else 1)
    response = client.get(f"/consultations/{c.id}/results.csv")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert "%C5%A1kol" in response.headers["Content-Disposition"]  # "škol" survives
    rows = csv_rows(response)
    counts = {(row[1], row[2]): row[3] for row in rows if row[0] in ("Counts", "Počty")}
    assert counts[("Chodí vaše dítě do spádové školy?", "Ano")] == "3"
    assert counts[("Chodí vaše dítě do spádové školy?", "Ne")] == "< 3"
    assert counts[("Chodí vaše dítě do spádové školy?", "Nevím")] == "< 3"
    sheet_rows = xlsx_rows(client.get(f"/consultations/{c.id}/results.xlsx"))
    assert [row[3] for row in sheet_rows
            if row[0] == rows[1][0] and row[2] == "Ne" and row[1].startswith("Chodí")] == ["< 3"]


def test_response_rows_are_named_only_in_a_named_export():
    c = make_consultation()
    add_response(c, user=make_user("parent", name="Petr Malý"))
    header, rows = results.export_table(c, with_names=True)
    assert len(header) == 6 and any(row[-1] == "Petr Malý" for row in rows)
    anonymous = make_consultation(anonymous=True, **closed_times())
    add_response(anonymous, user=make_user("parent", name="Eva Velká"))
    header, rows = results.export_table(anonymous, with_names=True)
    assert len(header) == 5 and not any("Eva Velká" in str(cell) for row in rows for cell in row)


# ---- every role on every route -------------------------------------------------------------------------

ROUTES = ("results", "texts", "csv", "xlsx", "respondents")
# Expected answer per route for a closed, named, invited-only consultation of a non-public group.
MATRIX = {
    "anonymous": (302, 302, 302, 302, 302),
    "parent (not invited)": (404, 403, 403, 403, 403),
    "invited parent": (403, 403, 403, 403, 403),
    "member elsewhere": (404, 404, 404, 404, 404),
    "group member": (200, 403, 403, 403, 403),
    "group member, still open": (403, 403, 403, 403, 403),
    "group chair": (200, 200, 200, 200, 200),
    "territory coordinator": (200, 200, 200, 200, 200),
    "coordinator elsewhere": (404, 404, 404, 404, 404),
    "admin": (200, 200, 200, 200, 200),
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_every_role_on_every_results_route(client, login_as, who):
    territory = make_territory()
    group = make_group(territory, public=False)
    c = make_consultation(group, audience="invited", **closed_times())
    add_response(c, user=make_user("parent", territory=territory), text="Text")
    if who == "parent (not invited)":
        login_as("parent", territory=territory)
    elif who == "invited parent":
        invite(c, login_as("parent", territory=territory).email)
    elif who == "member elsewhere":
        login_as("member", territory=territory)
    elif who == "group member":
        add_member(group, login_as("member", territory=territory))
    elif who == "group member, still open":
        add_member(group, login_as("member", territory=territory))
        c.closes_at = datetime.now(UTC) + timedelta(days=1)
        results.db.session.commit()
    elif who == "group chair":
        add_member(group, login_as("member", territory=territory), role="chair")
    elif who == "territory coordinator":
        login_as("coordinator", territory=territory)
    elif who == "coordinator elsewhere":
        login_as("coordinator", territory=make_territory("MAP ORP Jinde"))
    elif who == "admin":
        login_as("admin", territory=make_territory("MAP ORP Jinde"))
    urls = (f"/consultations/{c.id}/results", f"/consultations/{c.id}/results/texts",
            f"/consultations/{c.id}/results.csv", f"/consultations/{c.id}/results.xlsx",
            f"/consultations/{c.id}/respondents")
    got = tuple(client.get(url).status_code for url in urls)
    assert dict(zip(ROUTES, got, strict=True)) == dict(zip(ROUTES, MATRIX[who], strict=True))


def test_a_large_xlsx_is_rendered_in_the_background_without_anyones_name(client, login_as, app, monkeypatch,
                                                                          db):
    from sqlalchemy import select

    from portal.models import Job

    monkeypatch.setitem(app.config, "JOBS_BACKEND", "local")  # no worker thread in tests: the job waits
    monkeypatch.setitem(app.config, "JOBS_MEMORY_MB", 0)
    monkeypatch.setitem(app.config, "EXPORTS_INLINE_LIMIT_XLSX", 5)
    group, _ = coordinated_group(login_as)
    c = make_consultation(group, anonymous=True, **closed_times())
    for n in range(6):
        add_response(c, user=make_user("parent", name=f"Skrytý Rodič{n}"), text=f"=1+{n}")
    response = client.get(f"/consultations/{c.id}/results.xlsx")
    job = db.session.scalar(select(Job))
    assert response.status_code == 302 and response.headers["Location"] == f"/exports/{job.id}"
    assert job.payload["args"] == {"consultation_id": c.id, "with_names": False}
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--local", "--burst"])
    assert result.exit_code == 0 and "jobs run: 1" in result.output, result.output
    download = client.get(f"/exports/{job.id}/file")
    assert download.status_code == 200
    rows = xlsx_rows(download)
    texts = sorted(row[2] for row in rows if str(row[2]).startswith("'="))
    assert texts == [f"'=1+{n}" for n in range(6)]
    assert "Skrytý" not in " ".join(str(v) for row in rows for v in row)


def test_texts_page_shrugs_off_garbled_parameters(client, login_as):
    group, _ = coordinated_group(login_as)
    c = make_consultation(group)
    add_response(c, text="Jediná odpověď")
    for query in ("page=abc", "page=-3", "page=99999", "question=xyz", "question=424242", "tag=" + "x" * 500):
        page = client.get(f"/consultations/{c.id}/results/texts?{query}")
        assert page.status_code == 200, query
        assert ("Jediná odpověď" in page.data.decode()) != query.startswith("tag="), query
