"""Handing a rendered file to the browser: Czech file names that arrive intact in every browser.

`send` goes through `flask.send_file(..., download_name=...)`, which writes ``Content-Disposition`` with
both an ASCII ``filename=`` (diacritics dropped: "zapis-…") and the UTF-8 ``filename*=`` of RFC 5987
("zápis-…"), so old and new browsers alike save a sensible name.
"""

from __future__ import annotations

import io
import re
import unicodedata

from flask import Response, send_file

MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}

_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)
_SPACES = re.compile(r"[\s_]+")


def file_name(*parts: object, extension: str) -> str:
    """A file name from Czech words, kept in Czech: ``file_name("zápis", "2026-12-02", extension="pdf")``
    gives ``zápis-2026-12-02.pdf``. Characters a file system or a header would trip over (slashes,
    quotes, control characters) are dropped; letters with diacritics stay."""
    words = []
    for part in parts:
        text = unicodedata.normalize("NFC", str(part)).strip()
        text = _SPACES.sub("-", _UNSAFE.sub("", text)).strip("-.")
        if text:
            words.append(text)
    stem = "-".join(words)[:180] or "export"
    return f"{stem}.{extension}"


def mimetype_for(filename: str) -> str:
    return MIMETYPES.get(filename.rsplit(".", 1)[-1].lower(), "application/octet-stream")


def send(data: bytes, filename: str, *, mimetype: str | None = None) -> Response:
    """The file as an attachment named `filename`; private and never cached (exports hold personal data)."""
    response = send_file(io.BytesIO(data), mimetype=mimetype or mimetype_for(filename), as_attachment=True,
                         download_name=filename, max_age=0, etag=False, last_modified=None)
    response.headers["Cache-Control"] = "private, no-store"
    return response
