"""Regressions found by walking through consultations as a newcomer (QA pass q1): each test sends what a real
browser sends, or reads the page a person sees."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask_babel import force_locale
from sqlalchemy import select

from portal.extensions import db
from portal.models.consultations import Consultation, ConsultationResponse, QuestionKind
from tests.conftest import make_group, make_territory
from tests.consultations_factories import invite, make_consultation
from tests.forms_helper import hidden_fields

NOW = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)

_SELECT = re.compile(r'<select\b[^>]*\bname="([\w-]+)"[^>]*>(.*?)</select>', re.S)
_OPTION = re.compile(r'<option\b([^>]*)>')
_VALUE = re.compile(r'\bvalue="([^"]*)"')


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def english(client):
    with client.session_transaction() as session:
        session["locale"] = "en"


def selected_options(page_html: str) -> dict[str, str]:
    """What a browser sends for each <select> left as it is: the selected option's value, else the first."""
    chosen = {}
    for name, body in _SELECT.findall(page_html):
        options = _OPTION.findall(body)
        pick = next((o for o in options if "selected" in o), options[0])
        value = _VALUE.search(pick)
        chosen[name] = html_lib.unescape(value.group(1)) if value else ""
    return chosen


def test_a_consultation_about_no_document_and_no_proposal_can_be_created(client, login_as, clock):
    """The form's "— none —" choices were rendered as value="None", which came back as "not a valid choice":
    nobody could create a consultation without picking a document and a proposal."""
    group = make_group(make_territory())
    login_as("coordinator", locale="en")
    url = f"/groups/{group.id}/consultations/new"
    page = client.get(url).get_data(as_text=True)
    selects = selected_options(page)
    assert set(selects) == {"document_version_id", "proposal_id"}
    data = hidden_fields(client, url, needs="once") | selects | dict(
        title="Jak se vašim dětem daří ve škole?", opens_local="2026-11-11T10:00",
        closes_local="2026-11-25T10:00", audience="link", results="named")
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    consultation = db.session.scalar(select(Consultation).where(Consultation.group_id == group.id))
    assert consultation.document_version_id is None and consultation.proposal_id is None
    assert "— no document —" in page and "— no proposal —" in page


def test_the_consultation_state_has_its_own_labels(client, login_as, clock):
    """The generic "open"/"closed" are translated as neuter ("otevřeno") for rounds; a consultation is
    feminine, and "My consultations" said "open" twice ("otevřeno otevřená do …") with the button "Answer"
    translated as the noun."""
    group = make_group(make_territory())
    c = make_consultation(group, opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=7),
                          audience="public")
    parent = login_as("parent", locale="en")
    invite(c, parent.email, parent)
    html = client.get("/consultations").get_data(as_text=True)
    assert "open for answers" in html
    assert "answers until" in html and "open until" not in html
    assert ">Answer now</a>" in html
    listing = client.get(f"/groups/{group.id}/consultations").get_data(as_text=True)
    assert "<td>open for answers</td>" in listing


def test_a_conflict_on_ones_own_answer_shows_only_the_questions_and_does_not_blame_someone_else(
        client, clock):
    """Two tabs of one visitor without an account: the conflict box listed the hidden anti-spam field
    ("Leave this field empty") and said that someone else had saved the answer."""
    c = make_consultation(opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=7),
                          anonymous=True, allow_without_account=True)
    questions = {q.kind: q for q in c.questions}
    answers = {f"q{questions[QuestionKind.SINGLE].id}": str(questions[QuestionKind.SINGLE].options[0].id),
               f"q{questions[QuestionKind.SCALE].id}": "4"}
    url = f"/k/{c.link_key}"
    first = hidden_fields(client, url, needs="version")
    clock.shift(10)
    assert client.post(url, data={**first, **answers}).status_code == 302
    tab_one = hidden_fields(client, url, needs="version")
    tab_two = hidden_fields(client, url, needs="version")
    assert client.post(url, data={**tab_one, **answers, f"q{questions[QuestionKind.SCALE].id}": "2"}
                       ).status_code == 302
    second = client.post(url, data={**tab_two, **answers, f"q{questions[QuestionKind.SCALE].id}": "5"})
    page = second.get_data(as_text=True)
    assert second.status_code == 409
    box = page[page.index('class="conflict'):]
    box = box[:box.index("</section>")]
    # A visitor's page may be in Czech or English (once the catalogue has the new texts): either counts.
    assert "Leave this field empty" not in box and "Toto pole nevyplňujte" not in box
    assert questions[QuestionKind.SCALE].text in box
    assert "someone else" not in page.lower() and "někdo jiný" not in page.lower()
    assert "another tab or window" in page or "v jiné záložce nebo okně" in page
    assert "Your answer as saved meanwhile" in box or "Vaše odpověď, jak byla mezitím uložena" in box
    assert len(db.session.scalars(select(ConsultationResponse)).all()) == 1


def test_a_field_description_with_angle_brackets_is_shown_as_text(client, login_as, clock):
    """The invitation form's hint "“Jana Nováková <jana@example.cz>” works too" lost its example address:
    lazily translated descriptions were inserted as HTML."""
    c = make_consultation(opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=7),
                          audience="invited")
    login_as("admin", locale="en")
    page = client.get(f"/consultations/{c.id}/invite").get_data(as_text=True)
    assert "&lt;jana@example.cz&gt;" in page
    assert "<jana@example.cz>" not in page


def test_the_demo_questionnaire_gives_each_hint_once(app):
    """The demo's questions repeated the hints the questionnaire already gives (more than one can be ticked;
    do not name children), so a parent read each twice."""
    from portal.consultations import demo

    for kind, _text, help_text, _required, _options in demo.CLOSED_QUESTIONS + demo.OPEN_QUESTIONS:
        if kind in (QuestionKind.MULTIPLE, QuestionKind.TEXT):
            assert help_text is None


def test_the_response_rate_is_given_only_where_only_the_invited_may_answer(client, login_as, clock):
    """A public consultation with one invited parent and three answers said "Response rate: 100 %"."""
    from tests.consultations_factories import add_response

    public = make_consultation(opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=7),
                               audience="public", anonymous=True)
    invite(public, "rodic@example.cz")
    for _ in range(3):
        add_response(public)
    login_as("admin", locale="en")
    page = client.get(f"/consultations/{public.id}/results").get_data(as_text=True)
    rate = re.search(r"Response rate</dt><dd>(.*?)</dd>", page, re.S).group(1)
    assert "%" not in rate
    assert "anyone with the link may answer, not only the invited" in page

    invited = make_consultation(opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=7),
                                audience="invited")
    for n in range(4):
        invite(invited, f"rodic{n}@example.cz")
    add_response(invited)
    page = client.get(f"/consultations/{invited.id}/results").get_data(as_text=True)
    rate = re.search(r"Response rate</dt><dd>(.*?)</dd>", page, re.S).group(1)
    assert "25" in rate and "%" in rate


def _demo_like_results(client, login_as):
    """16 answers; single choice 7 / 5 / 3 / 1 (the demo's): "< 3" alone could be worked out as 16 - 15."""
    from tests.consultations_factories import add_response

    c = make_consultation(opens_at=NOW - timedelta(days=8), closes_at=NOW - timedelta(days=1), anonymous=True)
    singles = [0] * 8 + [1] * 5 + [2] * 3  # Ano 8, Ne 5, Nevím 3 ...
    scales = [4] * 8 + [3] * 5 + [2] * 2 + [5]  # ... and on the scale, 5 chosen once
    for single, scale in zip(singles, scales, strict=True):
        add_response(c, single=single, scale=scale)
    login_as("admin", locale="en")
    return c


def test_a_lone_small_count_cannot_be_worked_out_from_the_total(client, login_as, clock):
    """The results said "answered: 16" and 8, 5, 3, "< 3" elsewhere — so "< 3" was exactly 16 − 15 = 1, and
    the exact scale mean gave the hidden scale counts away too."""
    from portal.consultations import reads, results

    c = _demo_like_results(client, login_as)
    single, _multiple, scale, _text = reads.question_results(c)
    # Single choice: no small row here, nothing withheld.
    assert [r.shown for r in single.rows] == ["8", "5", "3"]
    # Scale: 1 (none) and 2 (two) and 5 (one) are small; the sum of the small ones (3) pins down nothing,
    # but the mean would: not shown.
    assert [r.shown for r in scale.rows] == ["< 3", "< 3", "5", "8", "< 3"]
    assert scale.mean_shown is None and results.question_views(c)[2].mean is None

    with force_locale("en"):
        lone = reads._protect((reads.Row("Ano", 8), reads.Row("Ne", 5), reads.Row("Nevím", 1)))
        assert [r.shown for r in lone] == ["8", "withheld", "< 3"]
        assert lone[1].hidden and not lone[0].hidden
        pairs = reads._protect((reads.Row("A", 9), reads.Row("B", 2), reads.Row("C", 2)))
        assert [r.shown for r in pairs] == ["withheld", "< 3", "< 3"]  # 13 − 9 = 4 would mean "2 and 2"
        assert reads._protect((reads.Row("A", 9), reads.Row("B", 1), reads.Row("C", 2)))[0].shown == "9"
        chart = results.bar_chart(lone)
        assert chart.bars[1].width == 0 and chart.bars[1].shown == "withheld"

    html = client.get(f"/consultations/{c.id}/results").get_data(as_text=True)
    assert "not shown: with the counts it would give away those below 3" in html
    rows = client.get(f"/consultations/{c.id}/results.csv").data.decode("utf-8-sig")
    assert "mean (1–5);not shown: with the counts it would give away those below 3" in rows


def test_a_lone_small_count_is_protected_on_the_page_and_in_the_export(client, login_as, clock):
    from tests.consultations_factories import add_response

    # Closed: an anonymous consultation's results wait for the close.
    c = make_consultation(opens_at=NOW - timedelta(days=8), closes_at=NOW - timedelta(days=1), anonymous=True)
    for single in [0] * 7 + [1] * 5 + [2]:
        add_response(c, single=single, scale=4)
    login_as("admin", locale="en")
    html = client.get(f"/consultations/{c.id}/results").get_data(as_text=True)
    table = html.split("<caption>", 2)[1].split("</table>")[0]
    assert re.search(r"Ano</th><td class=\"num\">7</td>", table)
    assert re.search(r"Ne</th><td class=\"num\">withheld</td>", table)
    assert re.search(r"Nevím</th><td class=\"num\">&lt; 3</td>", table)
    assert "“withheld”: not shown either" in html
    csv_text = client.get(f"/consultations/{c.id}/results.csv").data.decode("utf-8-sig")
    assert ";Ne;withheld;" in csv_text and ";Ne;5;" not in csv_text
    # The scale: 13 answers of 4, every other value none — the mean (4.00) gives nothing away.
    assert "4,00" in html or "4.00" in html


def test_a_parent_who_is_a_group_member_learns_before_confirming_that_the_account_stays(client, login_as):
    """The demo parent (a member of the group) was asked "Delete your account?", pressed the button, and only
    then was told that a member's account cannot be deleted here."""
    from portal.models import User
    from tests.conftest import add_member

    group = make_group(make_territory())
    parent = login_as("parent", locale="en")
    add_member(group, parent, category="parent")
    page = client.get("/account/delete").get_data(as_text=True)
    assert "You are recorded as a member of a working group" in page
    assert "Delete my account</button>" not in page
    assert db.session.get(User, parent.id) is not None

    alone = login_as("parent", locale="en")
    page = client.get("/account/delete").get_data(as_text=True)
    assert "Delete my account</button>" in page and "recorded as a member" not in page
    assert alone.role == "parent"


def test_the_xlsx_export_gives_counts_as_numbers(client, login_as, clock):
    """Every count in the XLSX was text ("3"), so a spreadsheet could not add them up; "< 3" stays text."""
    import io

    from openpyxl import load_workbook

    from tests.consultations_factories import add_response

    c = make_consultation(opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=7))
    for i in range(5):
        add_response(c, single=0 if i < 4 else 1, scale=4)
    login_as("admin", locale="en")
    sheet = load_workbook(io.BytesIO(client.get(f"/consultations/{c.id}/results.xlsx").data)).active
    counts = {(row[1], row[2]): row[3] for row in sheet.iter_rows(values_only=True) if row[0] == "Counts"}
    single = c.questions[0].text
    assert counts[(single, "answered the question")] == 5
    assert counts[(single, "Ano")] == 4
    assert counts[(single, "Ne")] == "< 3"
    assert counts[(c.questions[3].text, "free-text answers")] == 5
    csv_text = client.get(f"/consultations/{c.id}/results.csv").data.decode("utf-8-sig")
    assert f";{single};Ano;4;" in csv_text


def test_a_conflict_shows_stored_times_as_the_pages_write_them(client, login_as, clock):
    """Two coordinators editing one consultation: the stored times were listed as "3. 12. 2026 8:00:00"."""
    from tests.test_consultations_manage import edit_values

    opens = datetime(2026, 11, 20, 7, 30, tzinfo=UTC)  # 8:30 in Prague
    c = make_consultation(opens_at=opens, closes_at=opens + timedelta(days=14))
    login_as("admin", locale="en")
    url, first = edit_values(client, c, title="Z prvního okna")
    _url, second = edit_values(client, c, title="Z druhého okna")
    assert client.post(url, data=first).status_code == 302
    response = client.post(url, data=second)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    box = page[page.index('class="conflict'):]
    assert "8:30" in box and "8:30:00" not in box


def test_a_close_before_the_opening_is_reported_with_the_other_mistakes(client, login_as, clock):
    """A too long title and a closing before the opening: only the title was reported; after fixing it the
    coordinator learnt about the dates."""
    from tests.test_consultations_manage import post_new

    group = make_group(make_territory())
    login_as("coordinator", locale="en")
    response, _data = post_new(client, group, title="x" * 201, opens_local="2026-11-20T10:00",
                               closes_local="2026-11-19T10:00")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The consultation must close after it opens." in page
    assert "201" in page  # the title's limit, in the same answer
    assert db.session.scalar(select(Consultation).where(Consultation.group_id == group.id)) is None


def test_making_an_open_consultation_without_accounts_invited_only_points_at_the_audience(
        client, login_as, clock):
    """The refusal was attached to "answers without an account", which an open consultation shows as text,
    not as a field: the error summary linked to nothing and the coordinator could not see what to change."""
    from tests.test_consultations_manage import edit_values

    c = make_consultation(opens_at=NOW - timedelta(days=1), closes_at=NOW + timedelta(days=7),
                          audience="public", anonymous=True, allow_without_account=True)
    login_as("admin", locale="en")
    url, data = edit_values(client, c, audience="invited")
    response = client.post(url, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "cannot be for invited people only" in page
    assert 'href="#audience' in page  # the summary leads to the audience choice
    assert '<fieldset id="audience"' in page and 'id="audience-error"' in page
    db.session.refresh(c)
    assert c.audience == "public"
