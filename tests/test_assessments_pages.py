"""The assessment pages through the test client: who sees what, the assessor's form, the verdict form with
its refusals and optimistic locking, the checklist editor, the printable page and the DOCX."""

from __future__ import annotations

import io

import pytest
from docx import Document as WordDocument

from portal.extensions import db as _db
from portal.models.assessments import CriteriaVersion
from portal.models.proposals import Proposal, ProposalState
from portal.proposals import assessment as rules
from portal.proposals import assessment_reads as reads
from tests.conftest import add_member, make_group, make_meeting, make_territory, make_user
from tests.forms_helper import hidden_fields
from tests.test_assessments_rules import answer_all, make_proposal, review_of


@pytest.fixture
def setting():
    territory = make_territory()
    group = make_group(territory)
    coordinator = make_user("member", territory=territory, name="Koordinátorka Eva")
    add_member(group, coordinator, role="coordinator")
    teacher = make_user("member", territory=territory, name="Učitel Petr")
    add_member(group, teacher)
    parent = make_user("parent", territory=territory, name="Rodič Jana")
    add_member(group, parent, category="parent")
    author = make_user("member", territory=territory, name="Autor Karel")
    proposal = make_proposal(group, author)
    return territory, group, coordinator, teacher, parent, author, proposal


def assessed(setting, *, split=True):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessment = rules.assign_assessors(proposal, [teacher.id, parent.id], actor=coordinator)
    _db.session.commit()
    answer_all(review_of(assessment, teacher), proposal)
    answer_all(review_of(assessment, parent), proposal,
               overrides={2: ("no", "Doprava chybí."), 5: ("partly", "Jen pro některé.")} if split else None)
    return assessment


def url(proposal, endpoint=""):
    return f"/proposals/{proposal.id}/assessment{endpoint}"


def test_members_see_the_answers_side_by_side_with_disagreements_named(client, login_as, setting):
    assessed(setting)
    proposal = setting[6]
    login_as(setting[3])
    page = client.get(url(proposal)).get_data(as_text=True)
    assert "Doprava chybí." in page and "Rodič Jana" in page
    assert page.count("Hodnotitelé se neshodují") == 2


def test_a_draft_stays_with_its_assessor(client, login_as, setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessment = rules.assign_assessors(proposal, [teacher.id, parent.id], actor=coordinator)
    _db.session.commit()
    answer_all(review_of(assessment, teacher), proposal, "no", "Tajný koncept důvodu.", submit=False)
    login_as(coordinator)
    assert "Tajný koncept důvodu." not in client.get(url(proposal)).get_data(as_text=True)
    login_as(parent)
    assert client.get(url(proposal, "/mine")).status_code == 200
    assert "Tajný koncept důvodu." not in client.get(url(proposal, "/mine")).get_data(as_text=True)
    login_as(teacher)
    assert "Tajný koncept důvodu." in client.get(url(proposal, "/mine")).get_data(as_text=True)


def test_who_may_open_the_assessment(client, login_as, setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessed(setting)
    login_as(make_user("member", territory=territory))  # not in the group
    assert client.get(url(proposal)).status_code == 404
    assert client.get(url(proposal, ".docx")).status_code == 404
    login_as(teacher)
    assert client.get(url(proposal, "/verdict")).status_code == 403
    login_as(author)  # the author sees the verdict, not the assessors' answers
    page = client.get(url(proposal)).get_data(as_text=True)
    assert client.get(url(proposal)).status_code == 200 and "Doprava chybí." not in page
    assert client.get(url(proposal, "/mine")).status_code == 404


def test_an_assessor_answers_and_submits_through_the_form(client, login_as, setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessment = rules.assign_assessors(proposal, [teacher.id], actor=coordinator)
    _db.session.commit()
    criteria = assessment.criteria_version.criteria
    login_as(teacher)
    form = hidden_fields(client, url(proposal, "/mine"), needs="version")
    for c in criteria:
        form[f"answer_{c.id}"] = "yes"
    form[f"answer_{criteria[0].id}"] = "no"  # without a reason: refused
    form["submit"] = "1"
    response = client.post(url(proposal, "/mine"), data=form)
    assert response.status_code == 422
    _db.session.expire_all()
    assert review_of(reads.load(proposal), teacher).submitted_at is None
    form[f"reason_{criteria[0].id}"] = "Přijímání podle známek."
    response = client.post(url(proposal, "/mine"), data=form)
    assert response.status_code == 302
    _db.session.expire_all()
    review = review_of(reads.load(proposal), teacher)
    assert review.submitted_at is not None
    assert reads.answers_in_order(review)[0][1].reason == "Přijímání podle známek."


def test_a_stale_answer_form_is_refused_with_409(client, login_as, setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    rules.assign_assessors(proposal, [teacher.id], actor=coordinator)
    _db.session.commit()
    login_as(teacher)
    old = hidden_fields(client, url(proposal, "/mine"), needs="version")
    fresh = dict(old)
    assert client.post(url(proposal, "/mine"), data=fresh).status_code == 302
    response = client.post(url(proposal, "/mine"), data=old)
    assert response.status_code == 409 and "conflict-heading" in response.get_data(as_text=True)


def test_the_coordinator_assigns_assessors_once_per_form(client, login_as, setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    login_as(coordinator)
    form = hidden_fields(client, url(proposal), needs="once")
    form["assessors"] = [str(teacher.id), str(parent.id)]
    assert client.post(url(proposal, "/assessors"), data=form).status_code == 302
    assert client.post(url(proposal, "/assessors"), data=form).status_code == 302  # the same form again
    _db.session.expire_all()
    assert sorted(r.assessor_id for r in reads.load(proposal).reviews) == sorted([teacher.id, parent.id])


def test_the_verdict_form_refuses_and_records(client, login_as, setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    meeting = make_meeting(group)
    assessed(setting)
    login_as(coordinator)
    form = hidden_fields(client, url(proposal, "/verdict"), needs="version")
    form.update(verdict="conditional", reasons="", conditions="", meeting_id="0")
    assert client.post(url(proposal, "/verdict"), data=form).status_code in (200, 422)
    form.update(reasons="Splněno s výhradou dopravy.")
    response = client.post(url(proposal, "/verdict"), data=form)
    assert response.status_code == 422
    assert _db.session.get(Proposal, proposal.id).verdict is None
    form.update(conditions="Zajistit svoz dětí", meeting_id=str(meeting.id))
    assert client.post(url(proposal, "/verdict"), data=form).status_code == 302
    _db.session.expire_all()
    stored = _db.session.get(Proposal, proposal.id)
    assert (stored.verdict, stored.verdict_conditions) == ("conditional", "Zajistit svoz dětí")
    # The same (now outdated) form again: refused, nothing changed.
    form.update(verdict="compliant")
    response = client.post(url(proposal, "/verdict"), data=form)
    assert response.status_code == 409
    assert "Zajistit svoz dětí" in response.get_data(as_text=True)  # the stored conditions, shown beside
    _db.session.expire_all()
    assert _db.session.get(Proposal, proposal.id).verdict == "conditional"
    # The author sees the verdict and its conditions.
    login_as(author)
    page = client.get(url(proposal)).get_data(as_text=True)
    assert "Zajistit svoz dětí" in page and "Splněno s výhradou dopravy." in page


def test_a_verdict_on_a_withdrawn_proposal_is_refused_with_a_message(client, login_as, setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessed(setting)
    login_as(coordinator)
    form = hidden_fields(client, url(proposal, "/verdict"), needs="version")
    proposal.state = ProposalState.WITHDRAWN.value
    _db.session.commit()
    form.update(verdict="compliant", reasons="Vše v pořádku.", conditions="", meeting_id="0")
    response = client.post(url(proposal, "/verdict"), data=form)
    assert response.status_code == 422
    assert "Návrh byl stažen; neposuzuje se." in response.get_data(as_text=True)
    assert _db.session.get(Proposal, proposal.id).verdict is None


def test_the_checklist_editor_makes_a_new_version(client, login_as, setting):
    territory = setting[0]
    login_as("coordinator", territory=territory)
    form = hidden_fields(client, "/proposals/criteria", needs="version")
    old = dict(form)
    form["criteria"] = "První kritérium\nDruhé kritérium\n"
    assert client.post("/proposals/criteria", data=form).status_code == 302
    assert client.post("/proposals/criteria", data={**old, "criteria": "Jiné"}).status_code == 409
    latest = rules.latest_criteria(territory.id)
    assert latest.number == 2 and [c.text for c in latest.criteria] == ["První kritérium", "Druhé kritérium"]
    assert _db.session.get(CriteriaVersion, latest.id - 0).number == 2
    form = hidden_fields(client, "/proposals/criteria", needs="version")
    form["criteria"] = "x" * 501
    response = client.post("/proposals/criteria", data=form)
    assert response.status_code == 200 and "501" in response.get_data(as_text=True)
    assert rules.latest_criteria(territory.id).number == 2


def test_the_assessment_as_docx_and_printable_page(client, login_as, setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    assessed(setting)
    rules.record_verdict(proposal, rules.VerdictData("not_compliant", "Výběr podle testů.", None, None),
                         seen_version=rules.assessment_of(proposal).version, actor=coordinator)
    _db.session.commit()
    login_as(teacher)
    response = client.get(url(proposal, ".docx"))
    assert response.status_code == 200
    assert "filename*=UTF-8''posouzen%C3%AD" in response.headers["Content-Disposition"]
    word = WordDocument(io.BytesIO(response.data))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Není v souladu" in text and "Výběr podle testů." in text
    table = word.tables[0]
    assert [c.text for c in table.rows[0].cells][1:3] == ["Učitel Petr", "Rodič Jana"]
    assert "Doprava chybí." in table.rows[2].cells[2].text
    assert table.rows[2].cells[-1].text == "neshoda"
    page = client.get(url(proposal, "/print"))
    assert page.status_code == 200 and "Výběr podle testů." in page.get_data(as_text=True)


def test_the_assessment_of_a_draft_proposal_is_not_shown_to_members(client, login_as, setting):
    territory, group, coordinator, teacher, parent, author, proposal = setting
    draft = make_proposal(group, author, state=ProposalState.DRAFT.value, title="Koncept návrhu")
    login_as(teacher)
    assert client.get(url(draft)).status_code == 404
    login_as(author)
    assert client.get(url(draft)).status_code == 200
