"""Reading a rendered form as a browser tab would: its hidden inputs (CSRF token, version, one-time token)."""

from __future__ import annotations

import html as html_lib
import re

_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
_INPUT = re.compile(r"<input\b([^>]*)>")
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def hidden_fields(client, url: str, needs: str = "csrf_token", action: str | None = None) -> dict[str, str]:
    """The hidden inputs of the first form on the page that has an input named `needs` (and, if given,
    posts to `action`)."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    for attrs, body in _FORM.findall(page.get_data(as_text=True)):
        if action is not None and f'action="{action}"' not in attrs:
            continue
        values = {}
        for tag in _INPUT.findall(body):
            attributes = dict(_ATTR.findall(tag))
            if attributes.get("type") == "hidden" and "name" in attributes:
                values[attributes["name"]] = html_lib.unescape(attributes.get("value", ""))
        if needs in values:
            return values
    raise AssertionError(f"no form with {needs!r} on {url}")
