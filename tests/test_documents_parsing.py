"""Reading uploaded files into headings and paragraphs; matching paragraphs; re-finding quotes; word diffs."""

import pytest

from portal.documents import matching, parsing
from portal.documents.services import structure
from tests.documents_factories import INTRO, MARKDOWN, encrypt_pdf, make_docx, make_pdf


def kinds(blocks):
    return [(b.kind, b.text) for b in blocks]


def test_docx_headings_numbered_list_and_table_rows():
    parsed = parsing.parse(make_docx())
    assert parsed.format == "docx"
    assert kinds(parsed.blocks) == [
        ("heading", "Strategický rámec MAP"),
        ("paragraph", INTRO),
        ("heading", "Priority a cíle"),
        ("list_item", "Podpora inkluze ve školách"),
        ("list_item", "Spolupráce škol a rodičů"),
        ("table_row", "Cíl | Indikátor"),
        ("table_row", "Snížit podíl předčasných odchodů | Počet žáků"),
    ]
    assert "<td>" in parsed.blocks[-1].html


def test_sections_and_paragraphs_are_numbered_as_people_cite_them():
    sections, paragraphs = structure(parsing.parse(make_docx()).blocks)
    assert [(s["number"], s["title"]) for s in sections] == [("1", "Strategický rámec MAP"),
                                                            ("1.1", "Priority a cíle")]
    assert [(p["section"], p["number"]) for p in paragraphs] == [(0, 1), (1, 1), (1, 2), (1, 3), (1, 4)]


def test_a_heading_keeps_its_own_number():
    sections, _ = structure(parsing.markdown_blocks(MARKDOWN))
    assert [s["number"] for s in sections] == ["1", "1.1"]


def test_two_page_pdf_blocks_with_headings():
    data = make_pdf(2)
    import io

    from pypdf import PdfReader

    assert len(PdfReader(io.BytesIO(data)).pages) == 2
    parsed = parsing.parse(data)
    assert parsed.format == "pdf"
    assert kinds(parsed.blocks) == [
        ("heading", "Kapitola 1"),
        ("paragraph", "Odstavec první kapitoly 1 o spolupráci škol v území."),
        ("paragraph", "Odstavec druhý kapitoly 1 o podpoře rodičů a dětí."),
        ("heading", "Kapitola 2"),
        ("paragraph", "Odstavec první kapitoly 2 o spolupráci škol v území."),
        ("paragraph", "Odstavec druhý kapitoly 2 o podpoře rodičů a dětí."),
    ]


def test_markdown_by_content_with_list_and_table():
    parsed = parsing.parse(MARKDOWN.encode())
    assert parsed.format == "markdown"
    assert [b.kind for b in parsed.blocks] == ["heading", "paragraph", "heading", "paragraph", "list_item",
                                               "list_item", "table_row", "table_row"]


def test_html_is_sanitised():
    parsed = parsing.parse(b"# Nadpis\n\nText <script>alert(1)</script> <a href=\"javascript:x\">odkaz</a>\n")
    html = parsed.blocks[1].html
    assert "<script" not in html and "javascript:" not in html
    assert "odkaz" in html


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b"PK\x03\x04" + b"\x00" * 60, "broken"),
    (b"%PDF-1.7\n%garbage that is no pdf at all\n", "broken"),
    (parsing.OLE_MAGIC + b"\x00" * 600, "encrypted"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "unsupported"),
], ids=["empty", "blank", "zip", "pdf", "ole", "png"])
def test_refused_files(data, code):
    with pytest.raises(parsing.ParseError) as refused:
        parsing.parse(data)
    assert refused.value.code == code


def test_encrypted_pdf_is_refused():
    with pytest.raises(parsing.ParseError) as refused:
        parsing.parse(encrypt_pdf(make_pdf(1)))
    assert refused.value.code == "encrypted"


def test_oversize_file_is_refused():
    with pytest.raises(parsing.ParseError) as refused:
        parsing.parse(MARKDOWN.encode(), max_bytes=10)
    assert refused.value.code == "too_large"


def test_matching_unchanged_edited_moved_new_removed():
    old = ["Alfa je první odstavec textu.", "Beta popisuje cíle škol v území.", "Gama bude odstraněna úplně.",
           "Delta mluví o rodičích a dětech."]
    new = ["Delta mluví o rodičích a dětech.", "Alfa je první odstavec textu.",
           "Beta popisuje hlavní cíle škol v území.", "Epsilon je zcela nový odstavec o něčem jiném."]
    pairs = {(p.old, p.new): p.change for p in matching.match_paragraphs(old, new)}
    assert pairs == {(3, 0): "moved", (0, 1): "unchanged", (1, 2): "edited"}


def test_quote_refound_in_a_reworded_paragraph():
    old = "Školy v území budou spolupracovat na podpoře žáků se speciálními vzdělávacími potřebami."
    quote = "podpoře žáků se speciálními vzdělávacími potřebami"
    new = ("Všechny školy v území budou úzce spolupracovat, zejména na podpoře žáků se speciálními "
           "vzdělávacími potřebami a jejich rodin.")
    found = matching.refind_quote(old, quote, new, old.index(quote))
    assert found.found and new[found.start:found.end] == quote


def test_slightly_changed_quote_is_still_found_with_its_new_wording():
    old = "Do roku 2027 snížíme podíl předčasných odchodů ze vzdělávání na polovinu."
    quote = "snížíme podíl předčasných odchodů ze vzdělávání"
    new = "Do roku 2027 snížíme podíl předčasných odchodů ze studia na polovinu."
    found = matching.refind_quote(old, quote, new)
    assert found.found and found.text == "snížíme podíl předčasných odchodů ze studia"


def test_passage_changed_when_it_is_no_longer_there():
    old = "Do roku 2027 snížíme podíl předčasných odchodů ze vzdělávání na polovinu."
    quote = "snížíme podíl předčasných odchodů ze vzdělávání"
    new = "Do roku 2027 zavedeme v každé škole asistenta pedagoga na polovinu."
    assert not matching.refind_quote(old, quote, new).found


def test_word_diff_marks_words():
    diff = matching.word_diff("Školy budou spolupracovat.", "Školy budou úzce spolupracovat.")
    assert (1, "úzce ") in diff
    assert "".join(t for op, t in diff if op != 1) == "Školy budou spolupracovat."


def test_cut_off_docx_is_broken():
    with pytest.raises(parsing.ParseError) as refused:
        parsing.parse(make_docx()[:3000])
    assert refused.value.code == "broken"
