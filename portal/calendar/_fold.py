"""A faster, byte-for-byte identical line folding for icalendar's serialiser.

icalendar 7 folds every content line character by character (`icalendar.parser.string._foldline`, encoding
each character to count its octets), which was a third of the time of rendering a feed of hundreds of
meetings. `fold` follows the same rules on the UTF-8 bytes by slicing: at most 74 octets before a fold,
never inside a character, and an escaping backslash or caret is not left at the end of a folded line
(icalendar issue #1501). `tests/test_calendar_ical.py` checks that both give the same output.
"""

from __future__ import annotations

import icalendar.parser.content_line as _content_line

_BACKSLASH, _CARET = 0x5C, 0x5E


def fold(line: str, limit: int = 75, fold_sep: str = "\r\n ") -> str:
    """Fold a content line (RFC 5545 3.1) exactly as icalendar's `_foldline` does, only faster."""
    if len(line) < limit and line.isascii():
        return line
    data = line.encode("utf-8")
    length = len(data)
    if length < limit:
        return line
    parts = []
    start = 0
    while length - start >= limit:
        end = start + limit - 1
        while data[end] & 0xC0 == 0x80:  # a continuation byte: do not cut the character
            end -= 1
        if end - start > 1 and data[end - 1] in (_BACKSLASH, _CARET):
            end -= 1
        parts.append(data[start:end])
        start = end
    parts.append(data[start:])
    return fold_sep.join(part.decode("utf-8") for part in parts)


def install() -> None:
    """Route icalendar's folding of content lines through `fold` (idempotent; skipped if icalendar's
    internals have moved, which only costs speed)."""
    original = getattr(_content_line, "_foldline", None)
    if original is None or getattr(original, "portal_fast_fold", False):
        return

    def foldline(line: str, limit: int = 75, fold_sep: str = "\r\n ") -> str:
        return fold(line, limit, fold_sep)

    foldline.portal_fast_fold = True
    foldline.original = original
    _content_line._foldline = foldline
