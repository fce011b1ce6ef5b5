"""Text helpers shared by the areas: Markdown written in the portal, rendered safely.

`render_markdown` turns user-written Markdown into HTML and then sanitises it with nh3 (an allow-list of
tags and attributes, http/https/mailto links only), so a `<script>`, an `onclick` or a `javascript:` link
typed into minutes never reaches a page. Raw HTML in the Markdown is treated the same way: whatever nh3 does
not allow is dropped.
"""

from __future__ import annotations

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "dl", "dt", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def render_markdown(text: str | None, *, top_heading: int = 3) -> Markup:
    """Markdown (with tables, lists and fenced code) as sanitised HTML, safe to put in a template.

    A "# heading" written by a user becomes `<h{top_heading}>`, so it sits below the page's own headings
    in the outline that screen readers navigate by.
    """
    if not text:
        return Markup("")
    html = markdown.markdown(
        text,
        extensions=["tables", "fenced_code", "sane_lists", "toc"],
        extension_configs={"toc": {"baselevel": top_heading}},
        output_format="html",
    )
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above
