"""What every form of the portal shares: stated length limits, the hidden version of an edited record,
the one-time token of a creation form, and showing a refused save.

* `MaxLength(n)`: the limit is checked by the form (a message, never a silent cut) and stated beside the
  field by the `field` macro ("nejvýše 5 000 znaků"); no `maxlength` attribute, which lets a browser cut a
  pasted text silently.
* `VersionField`: the version of the record the user saw (portal.versioning); `conflict()` renders the form
  again with HTTP 409, the user's values kept and the stored ones shown beside.
* `OnceField`: a random token; `replay(form)` claims it or redirects to what its first submission created
  (portal.once); `fulfil(form, url)` records that address.
* `ConfirmForm`: an empty form whose CSRF token confirms a destructive action.
* `flash_errors(form)`: form errors as flash messages, each one translated (they are lazy strings).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import Response, flash, redirect
from flask_babel import LazyString, format_date, format_number, format_time, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired, ValidationError

from portal import once
from portal.extensions import db


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token is the confirmation (of a delete, a cancel, a reset...)."""


def _limit_text(limit: int) -> str:
    return ngettext("At most %(limit)s character.", "At most %(limit)s characters.", limit,
                    limit=format_number(limit))


class MaxLength:
    """At most `limit` characters: refused with a message (never cut), stated beside the field."""

    def __init__(self, limit: int):
        self.limit = limit
        # No `maxlength` attribute: a browser would cut a pasted text at the limit without a word.
        self.field_flags = {"limit_hint": LazyString(_limit_text, limit)}

    def __call__(self, form, field) -> None:
        length = len(field.data or "")
        if length > self.limit:
            raise ValidationError(ngettext(
                "At most %(limit)s character is allowed; the text has %(length)s.",
                "At most %(limit)s characters are allowed; the text has %(length)s.",
                self.limit, limit=format_number(self.limit), length=format_number(length)))


class VersionField(HiddenField):
    """The version of the record as the form was shown (an integer; None when missing or garbled)."""

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("validators", [InputRequired(
            message=_l("The form is incomplete; open the page again and fill it in anew."))])
        super().__init__(label or _l("Form"), **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        if valuelist and valuelist[0].strip().isdigit():
            self.data = int(valuelist[0])

    def _value(self):
        return "" if self.data is None else str(self.data)


def new_token() -> str:
    return secrets.token_urlsafe(24)


class OnceField(HiddenField):
    """The one-time token of a creation form."""

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("default", new_token)
        kwargs.setdefault("validators", [InputRequired(
            message=_l("The form is incomplete; open the page again and fill it in anew."))])
        super().__init__(label or _l("Form"), **kwargs)


def replay(form, fallback: str) -> Response | None:
    """Claim the creation form's token for this request; when it was used before, a redirect (with a
    message) to what the first submission created, and nothing else happens."""
    try:
        form.once.ticket = once.claim(form.once.data, actor=current_user)
    except once.Replayed as replayed:
        db.session.rollback()
        flash(_("This form has already been sent and saved; nothing new has been created. Here is the "
                "saved record."), "info")
        return redirect(replayed.url or fallback)
    return None


def fulfil(form, url: str) -> None:
    """Remember the created record's address with the token (same transaction as the record)."""
    once.fulfil(form.once.ticket, url)


def refused(form, error: Exception) -> None:
    """A service's refusal shown at the field it names (`error.field`), else at the top of the page; the
    transaction is rolled back, so nothing was saved."""
    db.session.rollback()
    name = getattr(error, "field", None)
    field = getattr(form, name, None) if name and form is not None else None
    if field is not None:
        if not isinstance(field.errors, list):
            field.errors = list(field.errors)
        field.errors.append(str(error))
    else:
        flash(str(error), "error")


def create_once(form, *, fallback: str, create: Callable[[], Any], refusal: type[Exception],
                url_of: Callable[[Any], str], message: str) -> Response | None:
    """The POST half of a creation form that carries a `OnceField`.

    A replayed token leads to what the first submission created (or to `fallback`); otherwise `create()`
    runs, the token remembers the new object's page (`url_of`), the transaction commits, `message` is
    flashed and the browser goes there. A `refusal` raised by `create()` is shown at its field and None is
    returned, so the caller renders the form again with what was typed (the token stays unused)."""
    if response := replay(form, fallback):
        return response
    try:
        created = create()
    except refusal as error:
        refused(form, error)
        return None
    url = url_of(created)
    fulfil(form, url)
    db.session.commit()
    flash(message, "success")
    return redirect(url)


def flash_errors(form) -> None:
    """Each error of a form flashed as text (the messages are lazy strings: join them only as str)."""
    for name, errors in form.errors.items():
        field = form._fields.get(name)
        label = str(field.label.text) if field is not None and field.type not in _NOT_SHOWN else ""
        for error in errors:
            flash(f"{label}: {error}" if label else str(error), "error")


def _display(field) -> str:
    data = field.data
    if data is None or data == "" or data == []:
        return "—"
    if field.type == "BooleanField":
        return _("yes") if data else _("no")
    choices = getattr(field, "choices", None)
    if choices:
        labels = {value: str(label) for value, label in
                  (c[:2] if isinstance(c, tuple) else (c, c) for c in choices)}
        if isinstance(data, list | tuple):
            return ", ".join(labels.get(v, str(v)) for v in data) or "—"
        return labels.get(data, str(data))
    if isinstance(data, datetime):
        # As the pages write it ("3. 12. 2026 8:00"), not with seconds nobody entered.
        return f"{format_date(data, 'medium', rebase=False)} {format_time(data, 'short', rebase=False)}"
    if isinstance(data, date):
        return format_date(data, "medium")
    return str(data)


_NOT_SHOWN = {"HiddenField", "CSRFTokenField", "SubmitField", "VersionField", "OnceField"}


def stored_values(stored_form, typed_form=None, first: tuple[str, ...] = ()) -> list[tuple[str, str, bool]]:
    """(label, stored value as text, differs from what the user typed) of every visible field of a form
    filled from the stored record; the fields named in `first` come first (the page's order)."""
    fields = [f for f in stored_form if f.type not in _NOT_SHOWN]
    fields.sort(key=lambda f: first.index(f.name) if f.name in first else len(first))
    rows = []
    for field in fields:
        typed = typed_form[field.name] if typed_form is not None and field.name in typed_form else None
        text = _display(field)
        rows.append((str(field.label.text), text, typed is not None and _display(typed) != text))
    return rows


def conflict(form, current, first: tuple[str, ...] = (), message=None) -> list[tuple[str, str, bool]]:
    """A save refused as stale: roll back, tell the user, and return the stored values to show beside the
    form (HTTP 409), those that differ from the user's marked. `current()` gives the record's current
    version and a form filled from it. The user's form keeps what they typed and now carries the current
    version, so saving again is a deliberate overwrite of what they have seen."""
    db.session.rollback()
    version, stored_form = current()
    values = stored_values(stored_form, form, first)
    form.version.data = version
    flash(message or _("Someone else saved this in the meantime, so your changes have not been saved. The "
                       "saved values are shown below; your version is still in the form. Check it and save "
                       "again."), "error")
    return values
