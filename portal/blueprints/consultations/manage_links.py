"""Links from the coordinators' pages to the pages the other parts of consultations build (results,
invitations, answering), by endpoint name: None while a part is not installed, so each page stands on its
own."""

from __future__ import annotations

from flask import current_app, request, url_for
from werkzeug.routing import BuildError


def maybe_url(endpoint: str, **values) -> str | None:
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def share_link(consultation) -> str:
    """The address participants open (the answering side's `consultations.answer`, `/k/<key>`)."""
    if "consultations.answer" in current_app.view_functions:
        return url_for("consultations.answer", key=consultation.link_key, _external=True)
    return request.url_root.rstrip("/") + "/k/" + consultation.link_key
