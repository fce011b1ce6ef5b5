"""Documents through the web: upload of each format, reading, the original unchanged, refused files storing
nothing, anchors and quoted passages surviving a new version, comparison, locking, one-time tokens,
deletion of a draft, the background import of a big file, and who may do what."""

import io

from sqlalchemy import func, select

from portal.documents import reads, services
from portal.extensions import db
from portal.models.documents import (
    Document,
    DocumentFile,
    DocumentParagraph,
    DocumentVersion,
    PassageLocation,
)
from tests.documents_factories import MARKDOWN, encrypt_pdf, make_document, make_docx, make_pdf
from tests.forms_helper import hidden_fields
from tests.meetings_factories import add_member


def upload(client, document, data: bytes, filename: str, note: str = "Změny po jednání PS"):
    url = f"/documents/{document.id}/upload"
    fields = hidden_fields(client, url, needs="once")
    fields.update({"change_note": note, "file": (io.BytesIO(data), filename)})
    return client.post(url, data=fields, content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_upload_docx_read_and_download_the_original(client, login_as, factories):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    data = make_docx()
    response = upload(client, document, data, "Strategický rámec.docx")
    assert response.status_code == 302
    version = db.session.scalar(select(DocumentVersion).where(DocumentVersion.document_id == document.id))
    assert (version.number, version.source_format, version.paragraph_count) == (1, "docx", 5)
    page = client.get(f"/documents/versions/{version.id}").get_data(as_text=True)
    assert "kap. 1.1, odst. 3" in page  # the first table row
    assert "Snížit podíl předčasných odchodů" in page
    original = client.get(f"/documents/versions/{version.id}/original")
    assert original.status_code == 200 and original.data == data
    assert "filename*=UTF-8''Strategick%C3%BD%20r%C3%A1mec.docx" in original.headers["Content-Disposition"]


def test_upload_pdf_and_markdown_recognised_by_content_not_name(client, login_as, factories):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    assert upload(client, document, make_pdf(2), "ramec.txt").status_code == 302
    assert upload(client, document, MARKDOWN.encode(), "ramec.pdf").status_code == 302
    v1, v2 = document.versions
    assert (v1.source_format, v1.paragraph_count) == ("pdf", 4)
    assert (v2.source_format, v2.paragraph_count) == ("markdown", 6)
    assert v2.markdown == MARKDOWN


def test_refused_files_store_nothing_and_say_why_in_czech(client, login_as, factories):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    for data, name, message in [
        (encrypt_pdf(make_pdf(1)), "tajny.pdf", "chráněn heslem"),
        (make_docx()[:3000], "rozbity.docx", "poškozený"),
        (b"", "prazdny.md", "prázdný"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "obrazek.docx", "není dokument DOCX, PDF ani Markdown"),
    ]:
        response = upload(client, document, data, name)
        assert response.status_code == 422, name
        assert message in response.get_data(as_text=True), name
    assert count(DocumentVersion) == 0 and count(DocumentFile) == 0 and count(DocumentParagraph) == 0


def test_oversize_file_is_refused(client, login_as, factories, app):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    app.config["DOCUMENT_MAX_BYTES"] = 1000
    try:
        response = upload(client, document, make_docx(), "velky.docx")
    finally:
        app.config.pop("DOCUMENT_MAX_BYTES")
    assert response.status_code == 422
    assert "větší než" in response.get_data(as_text=True)
    assert count(DocumentVersion) == 0


def test_anchors_and_a_quoted_passage_survive_an_edited_version(client, login_as, factories):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    assert upload(client, document, make_docx(), "v1.docx").status_code == 302
    v1 = document.versions[0]
    intro = db.session.scalar(select(DocumentParagraph).where(DocumentParagraph.version_id == v1.id,
                                                              DocumentParagraph.position == 0))
    passage = services.quote_passage(intro, "rovný přístup ke vzdělávání")
    gone = services.quote_passage(intro, "bez ohledu na jejich sociální zázemí")
    db.session.commit()
    reworded = ("Strategický rámec má jediný cíl: rovný přístup ke vzdělávání pro každé dítě v celém území, "
                "bez ohledu na jejich sociální zázemí a zdravotní stav.")
    reworded = reworded.replace("bez ohledu na jejich sociální zázemí", "ať žije kdekoli")
    assert upload(client, document, make_docx(reworded), "v2.docx").status_code == 302
    db.session.expire_all()
    v2 = document.versions[1]
    assert v2.based_on_id == v1.id
    carried = reads.paragraph_by_anchor(v2, intro.anchor)
    assert carried is not None and carried.text == reworded and carried.change == "edited"
    assert carried.previous_id == intro.id
    here = reads.passage_in_version(passage, v2)
    assert here.found and here.paragraph_id == carried.id
    assert reworded[here.start:here.end] == "rovný přístup ke vzdělávání"
    changed = reads.passage_in_version(gone, v2)
    assert not changed.found and changed.paragraph_id == carried.id  # "passage changed"
    # The unchanged list items keep their anchors too.
    old_anchors = set(db.session.scalars(select(DocumentParagraph.anchor)
                                         .where(DocumentParagraph.version_id == v1.id)))
    new_anchors = set(db.session.scalars(select(DocumentParagraph.anchor)
                                         .where(DocumentParagraph.version_id == v2.id)))
    assert old_anchors == new_anchors
    assert count(PassageLocation) == 2


def test_comparison_marks_words_as_text(client, login_as, factories):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    upload(client, document, make_docx(), "v1.docx")
    upload(client, document, make_docx("Úplně jiný úvod."), "v2.docx")
    v2 = document.versions[1]
    page = client.get(f"/documents/versions/{v2.id}/compare")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<del>" in html and "<ins>" in html
    assert "[−" in html and "[+" in html  # marked as text, not only by colour
    comparison = reads.compare_versions(document.versions[0], v2,
                                        taken_in={document.versions[0].paragraph_count and "x": []})
    assert [r.change for r in comparison.rows].count("unchanged") == 4
    assert {r.change for r in comparison.rows} == {"unchanged", "new", "removed"}


def test_comparison_shows_what_d2_attaches_per_anchor(client, login_as, factories):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    upload(client, document, make_docx(), "v1.docx")
    upload(client, document, make_docx("Cílem strategického rámce je rovný přístup ke vzdělávání pro "
                                       "všechny děti v území."), "v2.docx")
    v1, v2 = document.versions
    anchor = reads.reading_view(v2).sections[0].paragraphs[0].anchor
    comparison = reads.compare_versions(v1, v2, taken_in={anchor: ["Připomínka č. 3"]})
    row = next(r for r in comparison.rows if r.anchor == anchor)
    assert row.change == "edited" and row.taken_in == ["Připomínka č. 3"]


def test_written_version_and_replayed_form_creates_one(client, login_as, factories):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    url = f"/documents/{document.id}/write"
    fields = hidden_fields(client, url, needs="once")
    fields.update({"markdown": MARKDOWN, "change_note": "První verze"})
    assert client.post(url, data=fields).status_code == 302
    assert client.post(url, data=fields).status_code == 302  # the same form again
    assert count(DocumentVersion) == 1
    assert document.versions[0].source_format == "written"


def test_version_edit_conflict_keeps_what_the_user_typed(client, login_as, factories):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    upload(client, document, MARKDOWN.encode(), "ramec.md")
    version = document.versions[0]
    url = f"/documents/versions/{version.id}/edit"
    fields = hidden_fields(client, url, needs="version")
    services.update_version(version, change_note="Mezitím jinak", actor=coordinator,
                            seen_version=version.version)
    db.session.commit()
    fields.update({"change_note": "Moje poznámka", "state": "draft"})
    response = client.post(url, data=fields)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Moje poznámka" in html and "Mezitím jinak" in html
    db.session.expire_all()
    assert version.change_note == "Mezitím jinak"


def test_approval_needs_a_date(client, login_as, factories):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    upload(client, document, MARKDOWN.encode(), "ramec.md")
    version = document.versions[0]
    url = f"/documents/versions/{version.id}/edit"
    fields = hidden_fields(client, url, needs="version")
    fields.update({"state": "approved", "approved_on": ""})
    assert client.post(url, data=fields).status_code == 422
    fields = hidden_fields(client, url, needs="version")
    fields.update({"state": "approved", "approved_on": "2026-11-30"})
    assert client.post(url, data=fields).status_code == 302
    db.session.expire_all()
    assert version.state == "approved" and str(version.approved_on) == "2026-11-30"


def test_deleting_a_draft_asks_first(client, login_as, factories):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    upload(client, document, make_docx(), "v1.docx")
    version = document.versions[0]
    url = f"/documents/versions/{version.id}/delete"
    page = client.get(url)
    assert page.status_code == 200 and count(DocumentVersion) == 1
    assert client.post(url, data=hidden_fields(client, url, needs="version")).status_code == 302
    assert count(DocumentVersion) == 0 and count(DocumentFile) == 0 and count(DocumentParagraph) == 0


def test_big_file_is_imported_in_the_background(client, login_as, factories, app):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    app.config["DOCUMENT_SYNC_BYTES"] = 100
    try:
        response = upload(client, document, make_docx(), "velky.docx")
    finally:
        app.config.pop("DOCUMENT_SYNC_BYTES")
    assert "/documents/jobs/" in response.headers["Location"]
    progress = client.get(response.headers["Location"])
    db.session.expire_all()
    version = document.versions[0]
    assert progress.status_code == 302 and progress.headers["Location"].endswith(
        f"/documents/versions/{version.id}")
    assert version.import_state == "ready" and version.paragraph_count == 5


def damaged_docx() -> bytes:
    """A DOCX whose ZIP is sound but whose text (word/document.xml) is cut off mid-way."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(make_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            target.writestr(item, data[:len(data) // 2] if item.filename == "word/document.xml" else data)
    return out.getvalue()


def test_big_damaged_file_in_the_background_stores_nothing(client, login_as, factories, app):
    document, coordinator = make_document(factories.territory())
    login_as(coordinator)
    app.config["DOCUMENT_SYNC_BYTES"] = 100
    try:
        response = upload(client, document, damaged_docx(), "velky.docx")
    finally:
        app.config.pop("DOCUMENT_SYNC_BYTES")
    assert "/documents/jobs/" in response.headers["Location"]
    progress = client.get(response.headers["Location"])
    assert progress.status_code == 422
    assert "poškozený" in progress.get_data(as_text=True)
    assert count(DocumentVersion) == 0 and count(DocumentFile) == 0


def test_who_may_do_what(client, login_as, factories):
    territory = factories.territory()
    document, coordinator = make_document(territory)
    login_as(coordinator)
    upload(client, document, MARKDOWN.encode(), "ramec.md")
    version = document.versions[0]
    read = f"/documents/versions/{version.id}"
    # A member of the territory reads but does not upload.
    member = factories.user("member", territory=territory)
    add_member(document.group, member)
    login_as(member)
    assert client.get(read).status_code == 200
    assert client.get(f"/documents/{document.id}").status_code == 200
    assert client.get(f"/documents/{document.id}/upload").status_code == 403
    assert client.get(f"/documents/versions/{version.id}/edit").status_code == 403
    # A portal coordinator of the territory manages every group's documents; an admin too.
    login_as(factories.user("coordinator", territory=territory))
    assert client.get(f"/documents/{document.id}/upload").status_code == 200
    login_as(factories.user("admin", territory=factories.territory("MAP Jinde")))
    assert client.get(f"/documents/{document.id}/write").status_code == 200
    # Another territory's member does not see it at all.
    login_as(factories.user("member", territory=factories.territory("MAP Jinde")))
    assert client.get(read).status_code == 404
    assert client.get(f"/documents/{document.id}").status_code == 404
    # Parents read only versions in a public round (comment rounds add that rule): not yet.
    login_as(factories.user("parent", territory=territory))
    assert client.get(read).status_code == 404
    assert client.get(f"/documents/versions/{version.id}/original").status_code == 404
    client.get("/sign-out")


def test_anonymous_reader_is_asked_to_sign_in(client, factories):
    document, coordinator = make_document(factories.territory())
    services.write_version(document, markdown=MARKDOWN, change_note=None, actor=coordinator)
    db.session.commit()
    response = client.get(f"/documents/versions/{document.versions[0].id}")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_index_lists_documents_with_an_empty_state(client, login_as, factories):
    territory = factories.territory()
    login_as(factories.user("member", territory=territory))
    assert client.get("/documents/").status_code == 200
    make_document(territory, title="Akční plán 2027")
    assert "Akční plán 2027" in client.get("/documents/").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Document)) == 1
