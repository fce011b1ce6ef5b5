"""Reading an uploaded plan document into headings and paragraphs (plain Python: no Flask, no database).

The format is recognised by content (magic bytes, `filetype`), never by the file name: DOCX through
**mammoth** (semantic HTML: headings, lists, tables), PDF through **pdfminer.six** (text by layout blocks;
**pypdf** checks encryption and damage first), Markdown through the `markdown` library already used by the
portal. Every piece of HTML is sanitised with **nh3**. List items and table rows count as paragraphs.

Refusals raise :class:`ParseError` with a code; the portal renders the code as a Czech message.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import filetype
import nh3

DOCX = "docx"
PDF = "pdf"
MARKDOWN = "markdown"

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONTENT_TYPES = {DOCX: DOCX_MIME, PDF: "application/pdf", MARKDOWN: "text/markdown; charset=utf-8"}
EXTENSIONS = {DOCX: "docx", PDF: "pdf", MARKDOWN: "md"}

#: A Word file protected by a password is an OLE compound file (as are old .doc files), not a ZIP.
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

ALLOWED_TAGS = {"p", "strong", "em", "b", "i", "u", "s", "sub", "sup", "br", "a", "code", "span",
                "table", "thead", "tbody", "tr", "th", "td", "ul", "ol", "li"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


class ParseError(Exception):
    """The file cannot be read; `code`: empty, too_large, unsupported, encrypted, broken, no_text."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass
class Block:
    """A heading (`level` 1-6) or a paragraph (`kind` paragraph/list_item/table_row)."""

    kind: str  # heading, paragraph, list_item, table_row
    text: str
    html: str = ""
    level: int = 0


@dataclass
class Parsed:
    format: str
    blocks: list[Block] = field(default_factory=list)


def detect_format(data: bytes) -> str:
    """DOCX, PDF or Markdown, by content; refuses anything else (old .doc and encrypted Word files too)."""
    if not data or not data.strip():
        raise ParseError("empty")
    if data.startswith(OLE_MAGIC):
        # Encrypted DOCX files are stored in this container; so are old .doc files.
        raise ParseError("encrypted")
    kind = filetype.guess(data)
    if kind is not None:
        if kind.mime == DOCX_MIME:
            return DOCX
        if kind.mime == "application/pdf":
            return PDF
        if kind.mime == "application/zip":
            # A ZIP that is not a readable Word document (a damaged or cut-off DOCX).
            raise ParseError("broken")
        raise ParseError("unsupported", kind.mime)
    if data.startswith(b"PK\x03\x04"):
        # A ZIP that is not a Word document (or a damaged one).
        raise ParseError("broken")
    if b"\x00" in data:
        raise ParseError("unsupported")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError("unsupported", "not UTF-8 text") from None
    return MARKDOWN


def sanitise(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")


def parse(data: bytes, *, max_bytes: int | None = None) -> Parsed:
    """The file's headings and paragraphs, in order. Raises ParseError."""
    if max_bytes is not None and len(data) > max_bytes:
        raise ParseError("too_large")
    fmt = detect_format(data)
    if fmt == DOCX:
        blocks = _docx_blocks(data)
    elif fmt == PDF:
        blocks = _pdf_blocks(data)
    else:
        blocks = markdown_blocks(data.decode("utf-8"))
    if not any(b.kind != "heading" for b in blocks):
        raise ParseError("no_text")
    return Parsed(fmt, blocks)


# ---- HTML (from mammoth or Markdown) --------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def _clean_text(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def html_blocks(html: str) -> list[Block]:
    """Split semantic HTML into blocks: h1-h6 headings, paragraphs, each list item, each table row."""
    import lxml.html

    if not html.strip():
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    blocks: list[Block] = []
    for el in root:
        _element_blocks(el, blocks)
    return blocks


def _inner_html(el) -> str:
    import lxml.html

    parts = [el.text or ""]
    for child in el:
        parts.append(lxml.html.tostring(child, encoding="unicode", with_tail=True))
    return "".join(parts)


def _element_blocks(el, blocks: list[Block]) -> None:
    import lxml.html

    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
        text = _clean_text(el.text_content())
        if text:
            blocks.append(Block("heading", text, level=int(tag[1])))
    elif tag in {"ul", "ol"}:
        for li in el:
            if not isinstance(li.tag, str) or li.tag != "li":
                continue
            nested = [c for c in li if isinstance(c.tag, str) and c.tag in {"ul", "ol"}]
            for c in nested:
                li.remove(c)
            text = _clean_text(li.text_content())
            if text:
                blocks.append(Block("list_item", text, sanitise(_inner_html(li))))
            for c in nested:
                _element_blocks(c, blocks)
    elif tag == "table":
        for tr in el.iter("tr"):
            cells = [c for c in tr if isinstance(c.tag, str) and c.tag in {"td", "th"}]
            texts = [_clean_text(c.text_content()) for c in cells]
            if not any(texts):
                continue
            row = "".join(lxml.html.tostring(c, encoding="unicode", with_tail=False) for c in cells)
            blocks.append(Block("table_row", " | ".join(texts),
                                sanitise(f"<table><tbody><tr>{row}</tr></tbody></table>")))
    elif tag in {"div", "section", "blockquote"}:
        for child in el:
            _element_blocks(child, blocks)
    elif tag:
        text = _clean_text(el.text_content())
        if text:
            blocks.append(Block("paragraph", text, sanitise(_inner_html(el) if tag == "p" else
                                                             lxml.html.tostring(el, encoding="unicode",
                                                                                with_tail=False))))


def markdown_blocks(source: str) -> list[Block]:
    import markdown

    html = markdown.markdown(source, extensions=["tables", "sane_lists"], output_format="html")
    return html_blocks(sanitise_keep_headings(html))


def sanitise_keep_headings(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS | {"h1", "h2", "h3", "h4", "h5", "h6"},
                     attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")


# ---- DOCX ----------------------------------------------------------------------------------------------


def _docx_blocks(data: bytes) -> list[Block]:
    import zipfile

    import mammoth

    try:
        result = mammoth.convert_to_html(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ParseError("broken", str(exc)) from None
    except Exception as exc:  # mammoth raises several kinds on damaged XML
        raise ParseError("broken", f"{type(exc).__name__}: {exc}") from None
    return html_blocks(sanitise_keep_headings(result.value))


# ---- PDF -----------------------------------------------------------------------------------------------


def _pdf_blocks(data: bytes) -> list[Block]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ParseError("encrypted")
        len(reader.pages)
    except ParseError:
        raise
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        raise ParseError("broken", str(exc)) from None

    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTTextContainer

    boxes: list[tuple[str, float]] = []
    try:
        for page in extract_pages(io.BytesIO(data), laparams=LAParams()):
            for element in page:
                if not isinstance(element, LTTextContainer):
                    continue
                text = _clean_text(element.get_text())
                if not text:
                    continue
                sizes = [ch.size for line in element for ch in line if isinstance(ch, LTChar)]
                boxes.append((text, max(sizes) if sizes else 0.0))
    except Exception as exc:  # pdfminer raises its own errors on damaged streams
        raise ParseError("broken", f"{type(exc).__name__}: {exc}") from None
    if not boxes:
        return []
    body = sorted(size for _, size in boxes)[len(boxes) // 2]
    # Heading levels by font size: bigger than the body text, the biggest is level 1.
    heading_sizes = sorted({round(size, 1) for text, size in boxes if size > body * 1.15 and len(text) < 200},
                           reverse=True)[:6]
    blocks = []
    for text, size in boxes:
        if round(size, 1) in heading_sizes:
            blocks.append(Block("heading", text, level=heading_sizes.index(round(size, 1)) + 1))
        else:
            blocks.append(Block("paragraph", text, _escape_p(text)))
    return blocks


def _escape_p(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
