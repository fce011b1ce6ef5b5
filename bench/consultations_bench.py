"""Benchmark of consultations: recording an answer through the real route, and the results of 5,000 answers.

Run:  .venv/bin/python bench/consultations_bench.py [--answers 200] [--responses 5000] [--repeat 7]
      .venv/bin/python bench/consultations_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
      (the PostgreSQL database is EMPTIED first: give it a throwaway one)

In-process, with Flask's test client (no HTTP server), on a fresh database (SQLite in a temporary folder by
default):

1. record an answer: `--answers` signed-in parents each open the answering page of a consultation (`GET
   /k/<key>`, the form with its CSRF token and anything else it carries), and after all have the form, each
   sends it (`POST`, every question answered): median and p95 of the POST alone. The form is filled from
   its HTML (first option of each choice, a text in each text area; hidden fields kept; text inputs such as
   a honeypot left empty). When this checkout has no answering route yet (it is another part of the
   consultations issue), the same rows are stored through the ORM instead and the figure says so.
2. a consultation with `--responses` anonymous responses (one answer to each of the four question kinds,
   a free text in every response): the results page, the first page of the free texts, and the CSV and
   XLSX exports as its coordinator sees them: median of `--repeat` runs after a warm-up, with the number
   of SQL statements of one results page.
"""

from __future__ import annotations

import argparse
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from _common import ROOT, fresh_schema_with_group, signed_in_client

sys.path.insert(0, str(ROOT))


class FormFields(HTMLParser):
    """The POST forms of a page, each filled as a person answering every question would: the first option
    of each radio or checkbox group, a text in each text area, the first option of each select; hidden
    fields kept; text inputs (a honeypot among them) left empty."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str | None, dict[str, list[str]]]] = []
        self._form: dict[str, list[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {}
            self.forms.append((a.get("action"), self._form))
            return
        data = self._form
        name = a.get("name")
        if data is None or not name and tag != "option":
            return
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "hidden":
                data.setdefault(name, []).append(a.get("value") or "")
            elif kind in ("radio", "checkbox") and name not in data:
                data[name] = [a.get("value") or "on"]
        elif tag == "textarea":
            data[name] = ["Škola by mohla nabídnout delší družinu a doučování."]
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and self._select not in data and a.get("value"):
            data[self._select] = [a["value"]]

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None

    def answer_form(self, url: str) -> tuple[str, dict[str, list[str]]]:
        """The questionnaire: the POST form sent to the page itself (not sign-out or the language switch)."""
        for action, data in self.forms:
            if not action or action.split("?")[0].endswith(url):
                return action or url, data
        raise SystemExit(f"no answering form on {url}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def make_app(url: str):
    from config import TestingConfig
    from portal import create_app

    # The XLSX is measured inline (what the background job does), whatever its size.
    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, RATELIMIT_ENABLED=False,
                      BASE_URL="http://bench.test", EXPORTS_INLINE_LIMIT_XLSX=10**9,
                      EXPORTS_INLINE_LIMIT_XLSX_PORTAL=TestingConfig.EXPORTS_INLINE_LIMIT_XLSX)


def consultation(group, *, anonymous: bool, audience: str = "link"):
    from portal.extensions import db
    from portal.models.consultations import Consultation, Question, QuestionKind, QuestionOption

    now = datetime.now(UTC)
    c = Consultation(group_id=group.id, title="Jak se vašim dětem daří ve škole?",
                     introduction="Ptáme se rodičů, co jim pomáhá a co chybí.",
                     opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7),
                     audience=audience, anonymous=anonymous, allow_without_account=False,
                     link_key=secrets.token_urlsafe(16))
    db.session.add(c)
    db.session.flush()
    single = Question(consultation_id=c.id, position=0, kind=QuestionKind.SINGLE.value,
                      text="Chodí vaše dítě do spádové školy?", required=True)
    single.options = [QuestionOption(position=i, label=label)
                      for i, label in enumerate(("Ano", "Ne", "Nevím"))]
    multiple = Question(consultation_id=c.id, position=1, kind=QuestionKind.MULTIPLE.value,
                        text="Co by vám pomohlo?", required=False)
    multiple.options = [QuestionOption(position=i, label=label)
                        for i, label in enumerate(("Doučování", "Delší družina", "Doprava do školy"))]
    scale = Question(consultation_id=c.id, position=2, kind=QuestionKind.SCALE.value,
                     text="Jak jste spokojeni se školou?", required=True)
    text = Question(consultation_id=c.id, position=3, kind=QuestionKind.TEXT.value,
                    text="Co byste vzkázali škole?", required=False)
    db.session.add_all([single, multiple, scale, text])
    db.session.flush()
    return c, single, multiple, scale, text


def parents(territory_id: int, how_many: int, prefix: str) -> list:
    from portal.accounts import sessions
    from portal.extensions import db
    from portal.models import User

    people = [User(email=f"{prefix}{n}@bench.example", name=f"Rodič {n}", role="parent",
                   territory_id=territory_id) for n in range(how_many)]
    db.session.add_all(people)
    db.session.flush()
    for person in people:
        sessions.start(person)
    db.session.commit()
    return people


def store_response(c, questions, n: int, user_id: int | None = None) -> None:
    """One response as rows, as the answering route stores it (the ORM fallback)."""
    from sqlalchemy import update

    from portal.extensions import db
    from portal.models.consultations import Consultation, ConsultationAnswer, ConsultationResponse

    single, multiple, scale, text = questions
    response = ConsultationResponse(consultation_id=c.id, user_id=user_id)
    db.session.add(response)
    db.session.flush()
    db.session.add_all([
        ConsultationAnswer(response_id=response.id, question_id=single.id,
                           option_id=single.options[n % 3].id),
        ConsultationAnswer(response_id=response.id, question_id=multiple.id,
                           option_id=multiple.options[n % 3].id),
        ConsultationAnswer(response_id=response.id, question_id=scale.id, scale_value=1 + n % 5),
        ConsultationAnswer(response_id=response.id, question_id=text.id, text=f"Odpověď číslo {n}."),
    ])
    db.session.execute(update(Consultation).where(Consultation.id == c.id, Consultation.frozen_at.is_(None))
                       .values(frozen_at=datetime.now(UTC)))
    db.session.commit()


def bench_answers(app, group, how_many: int) -> None:
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.models.consultations import ConsultationResponse

    c, *questions = consultation(group, anonymous=False)
    people = parents(group.territory_id, how_many, "odpovida")
    db.session.commit()
    timings: list[float] = []
    if "consultations.answer" in app.view_functions:
        url = f"/k/{c.link_key}"
        prepared = []
        for person in people:
            client = signed_in_client(app, person.get_id())
            page = client.get(url)
            assert page.status_code == 200, page.status_code
            forms = FormFields()
            forms.feed(page.get_data(as_text=True))
            prepared.append((client, *forms.answer_form(url)))
        time.sleep(4)  # past any minimum fill time of the form
        statuses = set()
        for client, action, data in prepared:
            started = time.perf_counter()
            response = client.post(action, data=data)
            timings.append(time.perf_counter() - started)
            statuses.add(response.status_code)
        how = f"POST {url} through the answering route (statuses {sorted(statuses)})"
    else:
        for n, person in enumerate(people):
            started = time.perf_counter()
            store_response(c, questions, n, person.id)
            timings.append(time.perf_counter() - started)
        how = "ORM insert of the same rows (this checkout has no answering route `consultations.answer` yet)"
    stored = db.session.scalar(select(func.count()).select_from(ConsultationResponse)
                               .where(ConsultationResponse.consultation_id == c.id))
    print(f"record an answer: {how}")
    print(f"  {len(timings)} answers, {stored} stored: median {ms(statistics.median(timings))}, "
          f"p95 {ms(percentile(timings, 0.95))}, max {ms(max(timings))}")


def fill(c, questions, responses: int) -> None:
    """`responses` anonymous responses stored in bulk (Core inserts)."""
    from portal.extensions import db
    from portal.models.consultations import ConsultationAnswer, ConsultationResponse

    single, multiple, scale, text = questions
    now = datetime.now(UTC)
    batch = 1000
    for start in range(0, responses, batch):
        rows = [{"consultation_id": c.id, "submitted_at": now - timedelta(seconds=n), "version": 1}
                for n in range(start, min(responses, start + batch))]
        db.session.execute(ConsultationResponse.__table__.insert(), rows)
    ids = [rid for (rid,) in db.session.execute(
        ConsultationResponse.__table__.select().with_only_columns(ConsultationResponse.id)
        .where(ConsultationResponse.consultation_id == c.id).order_by(ConsultationResponse.id))]
    answers = []
    for n, rid in enumerate(ids):
        answers += [
            {"response_id": rid, "question_id": single.id, "option_id": single.options[n % 3].id},
            {"response_id": rid, "question_id": multiple.id, "option_id": multiple.options[n % 3].id},
            {"response_id": rid, "question_id": multiple.id, "option_id": multiple.options[(n + 1) % 3].id},
            {"response_id": rid, "question_id": scale.id, "scale_value": 1 + (n * 7) % 5},
            {"response_id": rid, "question_id": text.id,
             "text": f"Odpověď č. {n}: škola by mohla nabídnout delší družinu a doučování."},
        ]
    table = ConsultationAnswer.__table__
    for start in range(0, len(answers), 5000):
        chunk = answers[start:start + 5000]
        db.session.execute(table.insert(), [{"option_id": None, "scale_value": None, "text": None, **a}
                                            for a in chunk])
    c.frozen_at = now
    db.session.commit()


def timed(client, url: str, repeat: int) -> tuple[float, int, int]:
    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        runs.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(runs), len(response.data), response.status_code


def bench_results(app, group, responses: int, repeat: int) -> None:
    from sqlalchemy import event

    from portal.extensions import db
    from portal.models import Membership, User

    c, *questions = consultation(group, anonymous=True)
    started = time.perf_counter()
    fill(c, questions, responses)
    print(f"results of {responses} anonymous responses ({responses * 5} answer rows, "
          f"stored in {time.perf_counter() - started:.1f} s):")
    coordinator = User(email="koordinator@bench.example", name="Koordinátorka", role="coordinator",
                       territory_id=group.territory_id)
    db.session.add(coordinator)
    db.session.flush()
    db.session.add(Membership(group_id=group.id, user_id=coordinator.id, category="teacher",
                              role="coordinator", joined_on=datetime(2020, 1, 1).date()))
    from portal.accounts import sessions

    sessions.start(coordinator)
    db.session.commit()
    client = signed_in_client(app, coordinator.get_id())
    for label, url in (("results page", f"/consultations/{c.id}/results"),
                       ("free texts, page 1", f"/consultations/{c.id}/results/texts"),
                       ("export CSV", f"/consultations/{c.id}/results.csv"),
                       ("export XLSX", f"/consultations/{c.id}/results.xlsx")):
        median, size, _status = timed(client, url, repeat)
        print(f"  {label:<20} median {ms(median):>10}  ({size / 1024:.0f} KiB)")
    print(f"  (the XLSX is rendered inline here; the portal sends one of over "
          f"{app.config['EXPORTS_INLINE_LIMIT_XLSX_PORTAL']} rows through a background job)")
    statements: list[str] = []

    def count(*_args):
        statements.append(_args[2])

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    client.get(f"/consultations/{c.id}/results")
    event.remove(engine, "before_cursor_execute", count)
    print(f"  results page SQL statements: {len(statements)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--responses", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        app = make_app(url)
        with app.app_context():
            from portal.extensions import db

            print(f"database: {db.engine.dialect.name}")
            group = fresh_schema_with_group(name="PS pro rovné příležitosti Benchov", slug="ps-rp",
                                            kind="equal_opportunities")
            db.session.commit()
            bench_answers(app, group, args.answers)
            bench_results(app, group, args.responses, args.repeat)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
