"""Benchmark of plan documents: the import of a 100-page DOCX and the reading page's server time.

Run:  .venv/bin/python bench/documents_bench.py [--pages 100] [--requests 30]
      .venv/bin/python bench/documents_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
      (the PostgreSQL database is EMPTIED first: give it a throwaway one)

It builds a DOCX with python-docx (per page: a heading, six paragraphs of about 60 words, a three-item
numbered list and a three-row table), imports it as v1 through the service the upload page calls (mammoth →
blocks → sections and paragraphs), imports an edited copy as v2 (every tenth paragraph reworded, so the
matching and the carrying of quoted passages run), and then requests the reading page of v2 in-process
(`--requests` times, after one warm-up) as a signed-in member, reporting median and p95 server time.
The imports print their time so the threshold of background imports (DOCUMENT_SYNC_BYTES) can be set.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ("škola žák rodič podpora inkluze asistent pedagog spolupráce území vzdělávání rovný přístup "
         "poradenství doučování cíl opatření indikátor priorita zapojení komunita").split()


def make_docx(pages: int, edited: bool = False) -> bytes:
    from docx import Document

    doc = Document()
    n = 0
    for page in range(1, pages + 1):
        doc.add_heading(f"{page} Kapitola o rovných příležitostech {page}", level=1)
        for para in range(6):
            n += 1
            words = [WORDS[(page * 7 + para * 3 + i) % len(WORDS)] for i in range(60)]
            if edited and n % 10 == 0:
                words[5:9] = ["nově", "přeformulovaná", "část", "odstavce"]
            doc.add_paragraph(f"Odstavec {n}. " + " ".join(words) + ".")
        for item in range(3):
            doc.add_paragraph(f"Opatření {page}.{item + 1}: podpora žáků a spolupráce škol",
                              style="List Number")
        table = doc.add_table(rows=3, cols=3)
        for r in range(3):
            for c in range(3):
                table.cell(r, c).text = f"Buňka {page}/{r}/{c}"
        doc.add_page_break()
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from sqlalchemy import text

    from config import TestingConfig
    from portal import create_app
    from portal.accounts import sessions
    from portal.documents import services
    from portal.extensions import db
    from portal.models import Territory, User
    from portal.models.documents import DocumentParagraph
    from portal.models.groups import Membership, WorkingGroup

    tmp = tempfile.mkdtemp()
    url = args.database_url or f"sqlite:///{tmp}/bench.db"
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, DOCUMENT_SYNC_BYTES=10**9,
                     WTF_CSRF_ENABLED=False)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        db.create_all()
        territory = Territory(name="MAP ORP Benchov", slug="benchov")
        db.session.add(territory)
        db.session.flush()
        group = WorkingGroup(territory_id=territory.id, name="PS rovné příležitosti", slug="ps")
        admin = User(email="admin@bench.example", name="Admin", role="admin", territory_id=territory.id)
        db.session.add_all([group, admin])
        db.session.flush()
        db.session.add(Membership(group_id=group.id, user_id=admin.id, category="teacher",
                                  role="coordinator", joined_on=date(2020, 1, 1)))
        document = services.create_document(group, {"title": "Akční plán", "kind": "action_plan"},
                                             actor=admin)
        db.session.commit()

        v1_data = make_docx(args.pages)
        v2_data = make_docx(args.pages, edited=True)
        started = time.perf_counter()
        v1 = services.upload_version(document, filename="plan.docx", data=v1_data, change_note=None,
                                     actor=admin)
        db.session.commit()
        v1_time = time.perf_counter() - started
        first = db.session.scalars(db.select(DocumentParagraph).where(
            DocumentParagraph.version_id == v1.id).order_by(DocumentParagraph.position).limit(50)).all()
        for p in first:
            services.quote_passage(p, p.text[10:60])
        db.session.commit()
        started = time.perf_counter()
        v2 = services.upload_version(document, filename="plan2.docx", data=v2_data, change_note=None,
                                     actor=admin)
        db.session.commit()
        v2_time = time.perf_counter() - started
        sessions.start(admin)
        db.session.commit()
        user_id = admin.get_id()
        v2_id, count, size = v2.id, v2.paragraph_count, len(v1_data)

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    assert client.get(f"/documents/versions/{v2_id}").status_code == 200
    times = []
    for _ in range(args.requests):
        started = time.perf_counter()
        response = client.get(f"/documents/versions/{v2_id}")
        response.get_data()
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    print(f"database: {url.split(':')[0]}")
    print(f"DOCX of {args.pages} pages: {size / 1024:.0f} KiB, {count} paragraphs")
    print(f"import v1 (parse + store): {v1_time:.2f} s")
    print(f"import v2 (parse + match + store + re-find 50 quotes): {v2_time:.2f} s")
    print(f"reading page of {count} paragraphs: median {statistics.median(times) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms over {len(times)} requests")


if __name__ == "__main__":
    main()
