"""The reading page of a long document makes a fixed number of SQL statements; the demo has its document."""

from sqlalchemy import select

from portal.documents import services
from portal.extensions import db
from portal.models.documents import Document, DocumentParagraph
from tests.documents_factories import make_document
from tests.test_page_queries import counted


def markdown_of(paragraphs: int) -> str:
    parts = []
    for i in range(paragraphs):
        if i % 10 == 0:
            parts.append(f"## Kapitola {i // 10 + 1}")
        parts.append(f"Odstavec {i}: školy v území spolupracují na podpoře žáků (číslo {i}).")
    return "\n\n".join(parts)


def reading_statements(client, version_id: int) -> tuple[int, str]:
    url = f"/documents/versions/{version_id}"
    assert client.get(url).status_code == 200  # first use: anything cached per process is in place
    with counted(db) as statements:
        page = client.get(url)
        assert page.status_code == 200
    return len(statements), page.get_data(as_text=True)


def test_reading_page_of_400_paragraphs_makes_as_many_queries_as_of_10(client, login_as, factories):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    short = services.write_version(document, markdown=markdown_of(10), change_note=None, actor=coordinator)
    long = services.write_version(document, markdown=markdown_of(400), change_note=None, actor=coordinator)
    db.session.commit()
    few, _ = reading_statements(client, short.id)
    many, html = reading_statements(client, long.id)
    assert long.paragraph_count == 400
    assert "kap. 40, odst. 10" in html
    assert many == few


def test_demo_has_a_strategic_framework_with_two_versions(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--password", "demo-heslo-123"]).exit_code == 0
    document = db.session.scalar(select(Document).where(Document.kind == "strategic_framework"))
    assert [v.number for v in document.versions] == [1, 2]
    v2 = document.versions[1]
    changes = set(db.session.scalars(
        select(DocumentParagraph.change).where(DocumentParagraph.version_id == v2.id)))
    assert {"unchanged", "edited", "new"} <= changes
    # The framework, and last year's action plan of the comment rounds' demo; a second run adds nothing.
    assert sorted(db.session.scalars(select(Document.kind))) == ["action_plan", "strategic_framework"]
    assert runner.invoke(args=["demo", "--password", "demo-heslo-123"]).exit_code == 0
    assert len(db.session.scalars(select(Document)).all()) == 2
