"""Showing a stored report's frozen HTML inside a portal page.

The stored file is the portal's own output (every text escaped when it was rendered), but a page must obey
the Content Security Policy and keep one outline: this keeps only the document's body, drops what the CSP
forbids or a page must not carry (scripts, style elements and attributes, event handlers, frames, forms,
`javascript:` links), moves every heading one level down under the page's own h1 (unless the HTML is a
fragment made for a page), and makes the sideways-scrolling table wrappers reachable with the keyboard.
Nothing is rendered again: the text, tables and charts are those stored with the version.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

from markupsafe import Markup

#: Elements dropped with everything inside them.
_DROPPED = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript",
                      "head", "form", "textarea", "select", "button", "link", "meta", "base", "input",
                      # SVG: animations can set a link's target; foreign objects carry HTML of their own.
                      "animate", "set", "animatemotion", "animatetransform", "foreignobject"})
_VOID = frozenset({"br", "hr", "img", "col", "wbr", "source", "area", "track", "link", "meta", "base",
                   "input"})
_LINK_ATTRIBUTES = frozenset({"href", "src", "xlink:href", "action", "formaction", "srcset"})
_IGNORED_IN_URL = re.compile(r"[\x00-\x20\x7f]")
_HEADINGS = {f"h{n}": f"h{min(n + 1, 6)}" for n in range(1, 7)}


class _Filter(HTMLParser):
    def __init__(self, demote: bool, scroll_label: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.headings = _HEADINGS if demote else {}
        self.scroll_label = scroll_label
        self.out: list[str] = []
        self.skipping = 0  # depth inside a dropped element
        self.in_body = False
        self.saw_body = False

    # The parser lower-cases names; SVG keeps its camelCase attributes (viewBox) only by case-insensitive
    # use, which browsers accept in HTML documents.
    def _attributes(self, attrs) -> str:
        kept = []
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                continue
            value = value or ""
            # Browsers drop tabs and newlines anywhere in a URL and control characters around it.
            if name in _LINK_ATTRIBUTES and _IGNORED_IN_URL.sub("", value).lower().startswith(
                    ("javascript:", "vbscript:", "data:text")):
                continue
            kept.append(f' {name}="{escape(value, quote=True)}"')
        return "".join(kept)

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = self.saw_body = True
            return
        if tag in ("html",):
            return
        if tag in _DROPPED:
            if tag not in _VOID:
                self.skipping += 1
            return
        if self.skipping:
            return
        tag = self.headings.get(tag, tag)
        names = {name for name, _value in attrs}
        if (self.scroll_label and tag == "div" and "table-wrap" in (dict(attrs).get("class") or "").split()
                and "tabindex" not in names):
            # A table that scrolls sideways on a phone must be reachable with the keyboard (WCAG 2.1.1).
            attrs = [*attrs, ("tabindex", "0"), ("role", "region"), ("aria-label", self.scroll_label)]
        self.out.append(f"<{tag}{self._attributes(attrs)}>")

    def handle_startendtag(self, tag, attrs):
        if tag in _DROPPED or self.skipping:
            return
        self.out.append(f"<{tag}{self._attributes(attrs)}/>")

    def handle_endtag(self, tag):
        if tag in ("body", "html"):
            self.in_body = False if tag == "body" else self.in_body
            return
        if tag in _DROPPED:
            if tag not in _VOID and self.skipping:
                self.skipping -= 1
            return
        if self.skipping or tag in _VOID:
            return
        self.out.append(f"</{self.headings.get(tag, tag)}>")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(escape(data, quote=False))


def body_of(html: bytes | str, *, demote: bool = True, scroll_label: str | None = None) -> Markup:
    """The stored HTML's body, safe to place inside a page (see the module's docstring); a page fragment
    made for a page already (`render.html_fragment`) keeps its heading levels (`demote=False`). With
    `scroll_label`, each table wrapper (``div.table-wrap``, which scrolls sideways on a narrow screen) becomes
    a focusable region of that name, so that the keyboard reaches it."""
    text = html.decode("utf-8") if isinstance(html, bytes) else html
    parser = _Filter(demote, scroll_label)
    parser.feed(text)
    parser.close()
    return Markup("".join(parser.out))  # noqa: S704 - filtered above: no script, style or handler remains
