"""The demo holds last year's report of the demo equal-opportunities group (portal/reports/demo.py): made by
the same service as a coordinator's, published to the group's members, found again by `flask demo` twice.
A newcomer member sees it on the group's reports page; the demo parent and a visitor do not."""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import User, WorkingGroup
from portal.models.reports import ReportDraft, ReportVersion
from portal.reports import demo as report_demo
from portal.reports import keeping
from tests.conftest import signed_in_somewhere

TODAY = datetime(2026, 12, 3, 10, 0, tzinfo=ZoneInfo("Europe/Prague"))


def _client_of(app, email: str):
    user = db.session.scalar(select(User).where(User.email == email))
    signed_in_somewhere(user)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    return client


def test_the_demo_holds_last_years_report_published_to_members(app, db):
    from portal.demo import seed_demo

    with time_machine.travel(TODAY, tick=False):
        seed_demo("demo-heslo-pro-zpravu")
        db.session.commit()
        seed_demo("demo-heslo-pro-zpravu")  # idempotent: nothing twice
        db.session.commit()
        group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "rovne-prilezitosti"))
        versions = db.session.scalars(select(ReportVersion)).all()
        assert len(versions) == 1
        version = versions[0]
        assert (version.group_id, version.start, version.end) == (group.id, date(2025, 1, 1),
                                                                  date(2025, 12, 31))
        assert (version.number, version.language, version.visibility) == (1, "cs", "members")
        assert version.author_name == "Karel Koordinátor" and version.published_at is not None
        # The coordinator's texts are kept as the year's draft and are in the version.
        draft = db.session.scalar(select(ReportDraft))
        assert draft.foreword == report_demo.FOREWORD and draft.notes == report_demo.NOTES
        pdf = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(version.pdf)).pages).split())
        assert "Výroční zpráva o činnosti 2025: PS pro rovné příležitosti" in pdf
        assert "Skupina se v loňském roce sešla pětkrát" in pdf
        # Made from the demo data as it is: the same digest as gathering the year now.
        assert keeping.data_changed_since(version, fresh=True) is False
        assert db.session.scalar(select(func.count()).select_from(ReportDraft)) == 1

        member = _client_of(app, "clen@demo.example")
        listing = member.get(f"/groups/{group.id}/reports").get_data(as_text=True)
        assert f"/reports/{version.id}" in listing
        assert member.get(f"/reports/{version.id}/file.pdf").data == version.pdf
        for email in ("rodic@demo.example", None):
            other = _client_of(app, email) if email else app.test_client()
            assert other.get(f"/reports/{version.id}").status_code == 404
            assert other.get(f"/reports/{version.id}/file.pdf").status_code == 404
