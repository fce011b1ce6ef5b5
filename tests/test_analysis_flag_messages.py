"""Facts stored, words rendered: flags keep a message id and values; pages, exports and meeting pages render
the message in the reader's language (Czech word for word as the analysis module writes it)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from flask_babel import force_locale
from flask_migrate import upgrade
from sqlalchemy import select, text

from config import TestingConfig
from portal import create_app
from portal.analysis import Dataset, School, analyse, default_rules, group_flags, read_path
from portal.analysis.config import rules_from_mapping
from portal.analysis_portal import messages, services
from portal.extensions import db
from portal.models import AnalysisFlag, FlagOccurrence
from tests import test_analysis_portal_flags as analysis_tests
from tests.conftest import make_meeting
from tests.test_analysis_flag_links import scratch_url  # noqa: F401 (fixture)
from tests.test_analysis_portal_fixtures import SAMPLE, import_sample

#: Words of the Czech flag sentences that an English reader must not meet in a flag message.
CZECH = ("Signál k prověření", "signál k prověření (", "Podíl ", "žáků", "práh je", "příručka II",
         "škol typu")

# The analysis tests' fixtures (a territory and its coordinator).
territory = analysis_tests.territory


def czech_in(html: str) -> list[str]:
    # The glossary and the signal note quote the Czech terms on purpose ("signál k prověření", "Příručka").
    return [w for w in CZECH if w in html]


def test_czech_rendering_is_the_analysis_modules_sentence_for_every_sample_flag(app):
    result = analyse(read_path(SAMPLE), default_rules())
    assert {f.message_id for f in result.flags} >= {"spread_classes_pair", "high_disadvantage_school"}
    with app.test_request_context(), force_locale("cs"):
        for flag in result.flags:
            assert messages.render(flag.message_id, flag.params) == flag.message, flag.rule
        for finding in group_flags(result.flags):
            if len(finding.flags) > 1:
                assert messages.render_group(finding.rule, finding.flags) == finding.message


def test_every_rule_and_variant_renders_in_both_languages(app):
    # Small data that fire the rules the sample does not: vs-average spreads, competence, gymnasia.
    def site(n, **kw):
        base = dict(school_year="2025/26", territory="ORP Testov", school_id=f"10{n}", school_name=f"ZŠ {n}",
                    school_type="ZS", pupils=100, disadvantaged=5)
        return School(**{**base, **kw})

    schools = [site(1, disadvantaged=80, pupils=90, competence_score=900.0, grade5_pupils=30, gym_outflow=9),
               site(2, competence_score=1500.0), site(3), site(4), site(5)]
    for mode in ("pairwise", "vs_average"):
        rules = rules_from_mapping({
            "rules": {"disadvantaged_spread_schools": {"mode": mode}},
            "references": {"competence_score": {"value": 1400.0, "source": "ČŠI", "date": "2025-06-30"}},
        })
        result = analyse(Dataset(schools=schools, classes=[], has_classes=False), rules)
        with app.test_request_context():
            for flag in result.flags:
                with force_locale("cs"):
                    assert messages.render(flag.message_id, flag.params) == flag.message, flag.message_id
                with force_locale("en"):
                    english = messages.render(flag.message_id, flag.params)
                assert english and not czech_in(english), english
    assert {"competence_gap", "gym_outflow_high_national", "spread_schools_average"} <= {
        f.message_id for f in result.flags}


def test_stored_flags_carry_facts_not_sentences(territory):
    import_sample(territory, years=("2025/26",))
    occ = db.session.scalars(select(FlagOccurrence)).first()
    assert occ.message_id and occ.params and not hasattr(occ, "message")
    assert all(isinstance(v, (str, int, float)) or v is None for v in occ.params.values())


def test_english_pages_show_no_czech_flag_text(client, login_as, factories, territory):
    import_sample(territory)
    coordinator = login_as("coordinator", territory=territory, locale="en")
    flags = db.session.scalars(select(AnalysisFlag).order_by(AnalysisFlag.id)).all()
    school_flag = next(f for f in flags if f.school_id)
    meeting = make_meeting(territory=territory)
    services.put_on_agenda(school_flag, meeting, actor=coordinator)
    db.session.commit()
    pages = {
        "list": client.get("/analysis/flags").get_data(as_text=True),
        "list page 2": client.get("/analysis/flags?page=2").get_data(as_text=True),
        "flag": client.get(f"/analysis/flags/{school_flag.id}").get_data(as_text=True),
        "school": client.get(f"/analysis/schools/{school_flag.school_id}").get_data(as_text=True),
        "export": client.get("/analysis/flags/export.csv").get_data(as_text=True),
    }
    assert "A signal to look into" in pages["list"] and "A signal to look into" in pages["flag"]
    # Czech that is not a flag message stays: the agenda item's title (the agenda is shared, in Czech) and
    # the rule's source as the guide words it.
    item_title = services.agenda_title(school_flag)
    source = services.rule_source(school_flag.rule, territory.id)
    for name, html in pages.items():
        html = html.replace(item_title, "").replace(source, "")
        assert not czech_in(html), (name, czech_in(html))
    table = list(csv.reader(io.StringIO(pages["export"].lstrip("\ufeff")), delimiter=";"))
    findings = [row[table[0].index("Finding")] for row in table[1:]]
    assert findings and all("signal to look into" in f for f in findings)
    # The meeting page: the agenda itself is shared and Czech; the linked signal is in the reader's language.
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    linked = re.search(r'<p class="agenda-flags">(.*?)</p>', page, re.S).group(1)
    assert f"/analysis/flags/{school_flag.id}" in linked and not czech_in(linked)
    with force_locale("en"):
        assert str(services.RULE_LABELS[school_flag.rule]) in linked


def test_czech_pages_show_the_analysis_modules_sentences(client, login_as, territory):
    import_sample(territory, years=("2025/26",))
    login_as("coordinator", territory=territory)
    result = analyse(read_path(SAMPLE), default_rules())
    sentence = next(f.message for f in result.flags
                    if f.school_year == "2025/26" and f.rule == "high_disadvantage_school")
    flag = db.session.scalar(select(AnalysisFlag).where(AnalysisFlag.rule == "high_disadvantage_school"))
    html = client.get(f"/analysis/flags/{flag.id}").get_data(as_text=True)
    assert sentence.replace("„", "&#34;").replace("“", "&#34;") in html or sentence in html
    export = client.get("/analysis/flags/export.csv").get_data(as_text=True)
    assert sentence in export


# ---- the migration of stored flags ---------------------------------------------------------------------


def test_the_migration_turns_stored_sentences_into_facts(scratch_url):  # noqa: F811
    schools = [School(school_year="2025/26", territory="ORP Vzorov", school_id=f"10{n}",
                      school_name=f"ZŠ Vzorov {n}", school_type="ZS", pupils=100, disadvantaged=d)
               for n, d in ((1, 60), (2, 5), (3, 10))]
    flags = analyse(Dataset(schools=schools, classes=[], has_classes=False), default_rules()).flags
    assert flags
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=scratch_url)
    with app.app_context():
        try:
            upgrade(revision="0011_indexes")
            now = datetime.now(UTC)
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO territory (id, name, slug, created_at) "
                                  "VALUES (1, 'MAP ORP Vzorov', 'vzorov', :now)"), {"now": now})
                conn.execute(text("INSERT INTO analysis_dataset (id, territory_id, school_year, source, "
                                  "has_classes, imported_at, skipped) "
                                  "VALUES (1, 1, '2025/26', 'x', :f, :now, '[]')"), {"now": now, "f": False})
                for n, s in enumerate(schools, 1):
                    conn.execute(text(
                        "INSERT INTO analysis_school (id, dataset_id, school_year, territory, school_id, "
                        "school_name, school_type, pupils, disadvantaged) "
                        "VALUES (:id, 1, :y, :t, :sid, :name, :type, :p, :d)"),
                        {"id": n, "y": s.school_year, "t": s.territory, "sid": s.school_id,
                         "name": s.school_name, "type": s.school_type, "p": s.pupils, "d": s.disadvantaged})
                stored = [*((f.identity, f.rule, f.message) for f in flags),
                          ("old|gone", "funding_gap", "Věta, kterou dnešní pravidla už nenajdou.")]
                for n, (identity, rule, message) in enumerate(stored, 1):
                    conn.execute(text(
                        "INSERT INTO analysis_flag (id, territory_id, identity, rule, severity, state, "
                        "first_seen_year, last_seen_year, created_at, updated_at) VALUES (:id, 1, :identity, "
                        ":rule, 'warning', 'new', '2025/26', '2025/26', :now, :now)"),
                        {"id": n, "identity": identity, "rule": rule, "now": now})
                    conn.execute(text(
                        "INSERT INTO analysis_flag_occurrence (id, flag_id, dataset_id, school_year, value, "
                        "threshold, message) VALUES (:id, :id, 1, '2025/26', 0.5, 0.25, :message)"),
                        {"id": n, "message": message})
            upgrade(revision="0012_flag_links")
            occurrences = db.session.scalars(select(FlagOccurrence).order_by(FlagOccurrence.id)).all()
            assert [o.message_id for o in occurrences[:-1]] == [f.message_id for f in flags]
            assert [o.params for o in occurrences[:-1]] == [f.params for f in flags]
            assert (occurrences[-1].message_id, occurrences[-1].params) == (
                "", {"text": "Věta, kterou dnešní pravidla už nenajdou."})
            with app.test_request_context(), force_locale("cs"):
                assert [messages.render(o.message_id, o.params) for o in occurrences] == [
                    message for _i, _r, message in stored]
            with app.test_request_context(), force_locale("en"):
                assert "A signal to look into" in messages.render(occurrences[0].message_id,
                                                                  occurrences[0].params)
        finally:
            db.session.remove()
            db.engine.dispose()


