"""The reports pages: choosing the period, the draft form (409 on a stale save), generating (one job for a
double submit), the frozen version page and its files, publishing, and who may see what."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Job
from portal.models.groups import Membership
from portal.models.reports import ReportDraft, ReportVersion
from portal.reports import keeping
from tests.conftest import add_member, csrf_token, make_group, make_meeting, make_territory, make_user
from tests.forms_helper import hidden_fields

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
START, END = date(2025, 1, 1), date(2025, 12, 31)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def setting():
    """A public group with its chair (a member account), a member, a parent member, three held meetings."""
    territory = make_territory()
    group = make_group(territory, name="PS rovné příležitosti")
    chair = make_user("member", territory=territory, name="Jana Předsedkyně")
    add_member(group, chair, category="expert", role="chair", joined_on=date(2024, 1, 1))
    member = make_user("member", territory=territory)
    membership = add_member(group, member, category="teacher", joined_on=date(2024, 1, 1))
    parent = make_user("parent", territory=territory)
    add_member(group, parent, category="parent", joined_on=date(2024, 1, 1))
    meetings = [
        make_meeting(group, starts_at=datetime(2025, month, 10, 14, 0, tzinfo=UTC), status="held")
        for month in (3, 6, 10)
    ]
    return dict(
        group=group,
        chair=chair,
        member=member,
        parent=parent,
        membership=membership,
        meetings=meetings,
        territory=territory,
    )


def stored(setting, visibility: str = "coordinators", language: str = "cs") -> ReportVersion:
    version = keeping.generate(
        setting["group"], START, END, language, foreword="Úvodní slovo", notes=None, author=setting["chair"]
    )
    version.visibility = visibility
    db.session.commit()
    return version


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def page_is_clean(html: str) -> None:
    assert "<script" not in html and "style=" not in html


# ---- the group's reports page ----------------------------------------------------------------------------


def test_the_coordinator_chooses_a_year_or_a_period(client, login_as, setting):
    group = setting["group"]
    login_as(setting["chair"])
    html = client.get(f"/groups/{group.id}/reports").get_data(as_text=True)
    page_is_clean(html)
    assert "Zpráva za období 2025" in html  # last year by default
    assert '<span aria-current="page">2025</span>' in html and f"/groups/{group.id}/reports?year=2024" in html
    assert "Úvodní slovo" in html and re.search(r"Nejvýše 20\s000 znaků", html)
    assert "Vytvořit zprávu" in html and "Zatím nebyla vytvořena žádná zpráva" in html
    html = client.get(f"/groups/{group.id}/reports?start=2025-03-01&end=2025-08-31").get_data(as_text=True)
    assert "Zpráva za období 1. 3. 2025 – 31. 8. 2025" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=abc", "není rok"),
        ("year=0", "není rok"),  # these two were a 500: date() knows only years 1 to 9999
        ("year=99999", "není rok"),
        ("year=2014", "před rokem 2015"),
        ("start=2025-05-01&end=2025-04-01", "končí dřív"),
        ("start=2025-05-01", "Zadejte obě data"),
    ],
)
def test_a_bad_period_is_explained_and_last_year_shown(client, login_as, setting, query, message):
    login_as(setting["chair"])
    response = client.get(f"/groups/{setting['group'].id}/reports?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and "Zpráva za období 2025" in html


def test_the_draft_is_saved_and_a_stale_save_is_refused_with_both_texts(client, login_as, setting):
    group = setting["group"]
    login_as(setting["chair"])
    url = f"/groups/{group.id}/reports?year=2025"
    action = f"/groups/{group.id}/reports/draft?year=2025"
    first_tab = hidden_fields(client, url, needs="version", action=action)
    second_tab = dict(first_tab)
    response = client.post(action, data={**first_tab, "foreword": "Rok 2025 byl rokem změn.", "notes": ""})
    assert response.status_code == 302
    draft = db.session.scalar(select(ReportDraft))
    assert draft.foreword == "Rok 2025 byl rokem změn." and draft.notes is None
    assert "Rok 2025 byl rokem změn." in client.get(url).get_data(as_text=True)

    response = client.post(action, data={**second_tab, "foreword": "Můj jiný text.", "notes": "Díky."})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Rok 2025 byl rokem změn." in html and "Můj jiný text." in html  # both shown, nothing lost
    db.session.expire_all()
    assert db.session.scalar(select(ReportDraft.foreword)) == "Rok 2025 byl rokem změn."
    # Saving again from the refused form is a deliberate overwrite.
    again = dict(re.findall(r'name="(version|csrf_token)"[^>]*value="([^"]*)"', html))
    response = client.post(action, data={**second_tab, **again, "foreword": "Můj jiný text.", "notes": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(ReportDraft.foreword)) == "Můj jiný text."


def test_a_too_long_foreword_is_refused_not_cut(client, login_as, setting):
    group = setting["group"]
    login_as(setting["chair"])
    action = f"/groups/{group.id}/reports/draft?year=2025"
    fields = hidden_fields(client, f"/groups/{group.id}/reports?year=2025", needs="version", action=action)
    text = "á" * (keeping.TEXT_LIMIT + 1)
    response = client.post(action, data={**fields, "foreword": text, "notes": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "20 001" in html.replace("\xa0", " ") and text in html
    assert count(ReportDraft) == 0


def test_generating_runs_a_job_and_a_double_submit_creates_one_version(client, login_as, setting):
    group = setting["group"]
    login_as(setting["chair"])
    action = f"/groups/{group.id}/reports/generate?year=2025"
    fields = hidden_fields(client, f"/groups/{group.id}/reports?year=2025", needs="once", action=action)
    response = client.post(action, data={**fields, "language": "cs"})
    assert response.status_code == 302 and "/reports/jobs/" in response.headers["Location"]
    job_page = client.get(response.headers["Location"])
    assert job_page.status_code == 303  # done (the sync backend ran it): on to the version
    version = db.session.scalar(select(ReportVersion))
    assert job_page.headers["Location"].endswith(f"/reports/{version.id}")
    html = client.get(job_page.headers["Location"]).get_data(as_text=True)
    assert "Verze 1 zprávy byla vytvořena a uložena." in html

    again = client.post(action, data={**fields, "language": "cs"})  # the same form once more
    assert again.status_code == 302 and "/reports/jobs/" in again.headers["Location"]
    assert count(ReportVersion) == 1 and count(Job) == 1

    fields = hidden_fields(client, f"/groups/{group.id}/reports?year=2025", needs="once", action=action)
    client.post(action, data={**fields, "language": "en"})
    assert {(v.language, v.number) for v in db.session.scalars(select(ReportVersion))} == {
        ("cs", 1),
        ("en", 1),
    }


def test_the_progress_page_refreshes_itself_while_the_job_waits(client, login_as, setting, app, monkeypatch):
    group = setting["group"]
    login_as(setting["chair"])
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "local")
    monkeypatch.setitem(app.config, "JOBS_LOCAL_THREAD", False)
    action = f"/groups/{group.id}/reports/generate?year=2025"
    fields = hidden_fields(client, f"/groups/{group.id}/reports?year=2025", needs="once", action=action)
    location = client.post(action, data={**fields, "language": "cs"}).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    page_is_clean(html)
    assert '<meta http-equiv="refresh" content="2">' in html and 'role="status"' in html
    # A second click from a fresh form while it waits leads to the same job.
    fields = hidden_fields(client, f"/groups/{group.id}/reports?year=2025", needs="once", action=action)
    assert "zobrazit průběh" in client.get(f"/groups/{group.id}/reports?year=2025").get_data(as_text=True)
    assert client.post(action, data={**fields, "language": "cs"}).headers["Location"] == location
    assert count(Job) == 1


# ---- a stored version ------------------------------------------------------------------------------------


def test_the_version_page_shows_the_frozen_report_and_its_files(client, login_as, setting):
    version = stored(setting)
    login_as(setting["chair"])
    html = client.get(f"/reports/{version.id}").get_data(as_text=True)
    page_is_clean(html)
    assert "Výroční zpráva o činnosti 2025: PS rovné příležitosti" in html
    assert "Jana Předsedkyně" in html and version.data_digest[:12] in html and "Jen koordinátoři" in html
    for fmt, mimetype in (
        ("pdf", "application/pdf"),
        ("html", "text/html; charset=utf-8"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ):
        response = client.get(f"/reports/{version.id}/file.{fmt}")
        assert response.status_code == 200 and response.mimetype == mimetype.split(";")[0]
        assert response.data == getattr(version, fmt)
        disposition = response.headers["Content-Disposition"]
        assert f"vyrocni-zprava-2025-{setting['group'].slug}-v1.{fmt}" in disposition
    text = " ".join(
        PdfReader(io.BytesIO(client.get(f"/reports/{version.id}/file.pdf").data))
        .pages[0]
        .extract_text()
        .split()
    )
    assert "Výroční zpráva o činnosti 2025" in text
    assert client.get(f"/reports/{version.id}/file.odt").status_code == 404


def test_english_and_period_file_names(client, login_as, setting):
    login_as(setting["chair"])
    english = stored(setting, language="en")
    period = keeping.generate(
        setting["group"],
        date(2025, 3, 1),
        date(2025, 8, 31),
        "cs",
        foreword=None,
        notes=None,
        author=setting["chair"],
    )
    db.session.commit()
    slug = setting["group"].slug
    assert (
        f"vyrocni-zprava-2025-{slug}-v1-en.pdf"
        in client.get(f"/reports/{english.id}/file.pdf").headers["Content-Disposition"]
    )
    assert (
        f"zprava-o-cinnosti-2025-03-01-2025-08-31-{slug}-v1.docx"
        in client.get(f"/reports/{period.id}/file.docx").headers["Content-Disposition"]
    )


def test_the_page_says_when_the_data_changed_and_the_files_stay(client, login_as, setting, app, monkeypatch):
    version = stored(setting)
    files = (version.html, version.pdf, version.docx)
    login_as(setting["chair"])
    html = client.get(f"/reports/{version.id}").get_data(as_text=True)
    assert "Od vytvoření této verze se data nezměnila." in html
    # A member leaves in the year and a meeting is moved elsewhere.
    setting["membership"].left_on = date(2025, 5, 1)
    setting["meetings"][0].place = "Radnice Vzorov"
    db.session.commit()
    monkeypatch.setitem(app.config, "REPORTS_CHECK_TTL", 0)
    html = client.get(f"/reports/{version.id}").get_data(as_text=True)
    assert "Od vytvoření této verze se data změnila." in html
    listing = client.get(f"/groups/{setting['group'].id}/reports?year=2025").get_data(as_text=True)
    assert "Od této verze se data změnila." in listing
    assert (
        tuple(client.get(f"/reports/{version.id}/file.{fmt}").data for fmt in ("html", "pdf", "docx"))
        == files
    )


def test_the_data_changed_notice_is_right_at_once_after_a_change(client, login_as, setting):
    """With the default REPORTS_CHECK_TTL (60 s), a coordinator who had just ended a membership read "the
    data has not changed since this version" for another minute. A quick check is made again at once."""
    version = stored(setting)
    login_as(setting["chair"])
    assert "Od vytvoření této verze se data nezměnila." in client.get(f"/reports/{version.id}").get_data(
        as_text=True)
    setting["membership"].left_on = date(2025, 5, 1)  # the clock stands still: well within the TTL
    db.session.commit()
    html = client.get(f"/reports/{version.id}").get_data(as_text=True)
    assert "Od vytvoření této verze se data změnila." in html
    assert "se data nezměnila" not in html
    listing = client.get(f"/groups/{setting['group'].id}/reports?year=2025").get_data(as_text=True)
    assert "Od této verze se data změnila." in listing


# ---- publishing ------------------------------------------------------------------------------------------


def test_publishing_asks_first_then_members_then_everyone_read_it(client, login_as, setting, app):
    version = stored(setting)
    group = setting["group"]
    login_as(setting["chair"])
    confirm = client.get(f"/reports/{version.id}/publish")
    assert confirm.status_code == 200 and "Zveřejnit zprávu" in confirm.get_data(as_text=True)
    page_is_clean(confirm.get_data(as_text=True))
    fields = hidden_fields(client, f"/reports/{version.id}/publish", needs="version")
    assert (
        client.post(f"/reports/{version.id}/publish", data={**fields, "visibility": "members"}).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(ReportVersion, version.id).visibility == "members"
    shown = client.get(f"/reports/{version.id}").get_data(as_text=True)
    assert "Zpráva byla zveřejněna pro členy skupiny." in shown and "Zveřejněno pro členy skupiny" in shown

    member, parent = app.test_client(), app.test_client()
    with member.session_transaction() as session:
        session["_user_id"] = setting["member"].get_id()
    with parent.session_transaction() as session:
        session["_user_id"] = setting["parent"].get_id()
    anonymous = app.test_client()
    assert member.get(f"/reports/{version.id}").status_code == 200
    assert "Výroční zpráva o činnosti 2025" in member.get(f"/groups/{group.id}").get_data(as_text=True)
    assert parent.get(f"/reports/{version.id}").status_code == 404
    assert anonymous.get(f"/reports/{version.id}/file.pdf").status_code == 404

    fields = hidden_fields(client, f"/reports/{version.id}/publish", needs="version")
    client.post(f"/reports/{version.id}/publish", data={**fields, "visibility": "public"})
    assert "zveřejněna pro všechny" in client.get(f"/reports/{version.id}").get_data(as_text=True)
    assert parent.get(f"/reports/{version.id}").status_code == 200
    assert anonymous.get(f"/reports/{version.id}/file.pdf").data == version.pdf
    group_page = anonymous.get(f"/groups/{group.id}").get_data(as_text=True)
    assert f'href="/reports/{version.id}"' in group_page
    assert "Výroční zpráva o činnosti 2025" in anonymous.get("/reports").get_data(as_text=True)

    confirm = client.get(f"/reports/{version.id}/unpublish").get_data(as_text=True)
    assert "Zrušit zveřejnění této zprávy?" in confirm
    fields = hidden_fields(client, f"/reports/{version.id}/unpublish", needs="version")
    assert client.post(f"/reports/{version.id}/unpublish", data=fields).status_code == 302
    assert member.get(f"/reports/{version.id}").status_code == 404
    assert anonymous.get(f"/reports/{version.id}").status_code == 404
    assert f'href="/reports/{version.id}"' not in anonymous.get(f"/groups/{group.id}").get_data(as_text=True)


def test_the_publish_page_says_that_parent_members_read_only_public_reports(client, login_as, setting):
    """The group's parent member (a parent's account) cannot read a report "published to the group's
    members", which the publish page did not say: the coordinator believed every member would read it."""
    version = stored(setting)
    login_as(setting["chair"])
    html = client.get(f"/reports/{version.id}/publish").get_data(as_text=True)
    assert 'id="only-public"' in html and ">1 " in html
    parent_id = setting["parent"].id
    for membership in db.session.scalars(select(Membership).where(Membership.user_id == parent_id)):
        membership.left_on = date(2026, 1, 1)
    db.session.commit()
    assert 'id="only-public"' not in client.get(f"/reports/{version.id}/publish").get_data(as_text=True)


def test_publishing_from_a_stale_page_changes_nothing(client, login_as, setting):
    version = stored(setting)
    login_as(setting["chair"])
    old = hidden_fields(client, f"/reports/{version.id}/publish", needs="version")
    client.post(f"/reports/{version.id}/publish", data={**old, "visibility": "members"})
    response = client.post(f"/reports/{version.id}/publish", data={**old, "visibility": "public"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ReportVersion, version.id).visibility == "members"


def test_a_hidden_group_cannot_publish_to_everyone_and_says_why(client, login_as, setting):
    setting["group"].public = False
    db.session.commit()
    version = stored(setting)
    login_as(setting["chair"])
    fields = hidden_fields(client, f"/reports/{version.id}/publish", needs="version")
    response = client.post(f"/reports/{version.id}/publish", data={**fields, "visibility": "public"})
    assert response.status_code == 400 and "Skupina není veřejná" in response.get_data(as_text=True)


# ---- who may do what -------------------------------------------------------------------------------------


def _client_for(app, user):
    client = app.test_client()
    if user is not None:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
    return client


@pytest.mark.parametrize("visibility", ["coordinators", "members", "public"])
def test_every_role_on_every_route(app, setting, visibility):
    version = stored(setting, visibility)
    group = setting["group"]
    territory = setting["territory"]
    other_territory = make_territory("MAP ORP Jinde")
    people = {
        "anonymous": None,
        "guest": make_user("guest", territory=territory),
        "parent member": setting["parent"],
        "member": setting["member"],
        "member elsewhere": make_user("member", territory=territory),
        "chair": setting["chair"],
        "coordinator of the territory": make_user("coordinator", territory=territory),
        "coordinator elsewhere": make_user("coordinator", territory=other_territory),
        "admin": make_user("admin", territory=other_territory),
    }
    managers = {"chair", "coordinator of the territory", "admin"}
    readers = (
        managers
        | ({"member"} if visibility == "members" else set())
        | (set(people) if visibility == "public" else set())
    )
    job = keeping.start_generation(group, START, END, "cs", actor=setting["chair"])
    db.session.commit()
    reading = [
        f"/reports/{version.id}",
        f"/reports/{version.id}/file.pdf",
        f"/reports/{version.id}/file.docx",
        f"/reports/{version.id}/file.html",
    ]
    managing = [f"/reports/{version.id}/publish", f"/reports/{version.id}/unpublish"]
    posts = [f"/groups/{group.id}/reports/draft?year=2025", f"/groups/{group.id}/reports/generate?year=2025"]
    for name, user in people.items():
        client = _client_for(app, user)
        assert client.get(f"/groups/{group.id}/reports").status_code == 200, name
        assert client.get("/reports").status_code == 200, name
        for url in reading:
            assert client.get(url).status_code == (200 if name in readers else 404), (name, url)
        for url in managing:
            code = client.get(url).status_code
            if name == "anonymous":
                assert code == 302, (name, url)
            elif name in managers:
                assert code in (200, 303), (name, url)
            elif name in ("guest", "parent member"):
                assert code == 403, (name, url)  # the `members` rule
            else:
                assert code == (403 if name in readers else 404), (name, url)
        # The progress page belongs to the group, which they all see (public): only managers use it.
        code = client.get(f"/groups/{group.id}/reports/jobs/{job.id}").status_code
        assert code == (302 if name == "anonymous" else 303 if name in managers else 403), name
        token = csrf_token(client, f"/groups/{group.id}/reports")
        for url in posts:
            code = client.post(url, data={"csrf_token": token}).status_code
            if name == "anonymous":
                assert code == 302, (name, url)
            elif name in managers:
                assert code in (302, 400), (name, url)
            else:
                assert code == 403, (name, url)  # they see the group, so they learn they may not manage it
    assert count(ReportDraft) == 0


def test_a_hidden_group_reveals_nothing(app, setting):
    setting["group"].public = False
    db.session.commit()
    version = stored(setting, "members")
    outsider = _client_for(app, make_user("member", territory=setting["territory"]))
    anonymous = _client_for(app, None)
    for client in (outsider, anonymous):
        assert client.get(f"/groups/{setting['group'].id}/reports").status_code == 404
        assert client.get(f"/reports/{version.id}").status_code == 404
    assert _client_for(app, setting["member"]).get(f"/reports/{version.id}").status_code == 200


def test_readers_see_only_what_is_published_to_them(app, setting):
    hidden = stored(setting, "coordinators")
    for_members = stored(setting, "members")
    public = stored(setting, "public")
    group = setting["group"]
    member_page = (
        _client_for(app, setting["member"]).get(f"/groups/{group.id}/reports").get_data(as_text=True)
    )
    assert f'/reports/{for_members.id}"' in member_page and f'/reports/{public.id}"' in member_page
    assert f'/reports/{hidden.id}"' not in member_page and "Vytvořit zprávu" not in member_page
    anonymous_page = _client_for(app, None).get(f"/groups/{group.id}/reports").get_data(as_text=True)
    assert f'/reports/{public.id}"' in anonymous_page and f'/reports/{for_members.id}"' not in anonymous_page
    assert "Úvodní slovo" not in anonymous_page  # no draft form for readers
    public.visibility = "coordinators"
    for_members.visibility = "coordinators"
    db.session.commit()
    empty = _client_for(app, None).get(f"/groups/{group.id}/reports").get_data(as_text=True)
    assert "Tato skupina zatím nezveřejnila žádnou zprávu." in empty


def test_a_failed_generation_says_so_and_offers_to_try_again(client, login_as, setting, app, monkeypatch):
    group = setting["group"]
    login_as(setting["chair"])
    monkeypatch.setitem(app.config, "JOBS_BACKEND", "local")
    monkeypatch.setitem(app.config, "JOBS_LOCAL_THREAD", False)
    job = keeping.start_generation(group, START, END, "cs", actor=setting["chair"])
    db.session.commit()
    job.state, job.error = "failed", "RuntimeError: the renderer crashed"
    db.session.commit()
    response = client.get(f"/groups/{group.id}/reports/jobs/{job.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<meta http-equiv="refresh"' not in html
    assert "Zprávu se nepodařilo vytvořit kvůli chybě portálu." in html and "renderer crashed" in html
    assert "Nic nebylo uloženo." in html and "Zkusit znovu" in html
    page_is_clean(html)
    assert count(ReportVersion) == 0
    # Trying again starts a new job (the failed one stays as it was).
    action = f"/groups/{group.id}/reports/generate?year=2025"
    fields = hidden_fields(client, f"/groups/{group.id}/reports/jobs/{job.id}", needs="once", action=action)
    location = client.post(action, data={**fields, "language": "cs"}).headers["Location"]
    assert location.endswith(f"/reports/jobs/{job.id + 1}") and count(Job) == 2
    # Another group's job is not found through this group.
    other = make_group(setting["territory"])
    add_member(other, setting["chair"], category="expert", role="chair")
    assert client.get(f"/groups/{other.id}/reports/jobs/{job.id}").status_code == 404


def test_the_list_of_versions_reads_their_checks_in_one_query(client, login_as, setting):
    from tests.test_page_queries import counted

    group = setting["group"]
    login_as(setting["chair"])
    url = f"/groups/{group.id}/reports"

    def statements_with(versions: int) -> int:
        while db.session.scalar(select(func.count()).select_from(ReportVersion)) < versions:
            stored(setting, language="cs" if versions % 2 else "en")
        client.get(url)  # the quick checks are made (and kept) on the first look
        with counted(db) as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    fewer = statements_with(2)
    assert statements_with(4) == fewer
