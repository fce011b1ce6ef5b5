"""One error blueprint: every error page in the site's look and the user's language."""

import functools
import logging

from flask import Blueprint, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db, login_manager

bp = Blueprint("errors", __name__)
log = logging.getLogger(__name__)

# The database refused or dropped the connection, or no pooled connection came free in time.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeoutError)
RETRY_AFTER_SECONDS = 30

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("The page does not exist or has moved. Check the address.")),
    405: (_l("Method not allowed"), _l("This action cannot be done this way.")),
    409: (
        _l("Changed at the same moment"),
        _l("Someone else saved the same record at the same moment, so nothing was saved. Go back, reload "
           "the page and try again."),
    ),
    413: (
        _l("File too large"),
        _l("The file or form you sent is larger than the portal accepts. Nothing was saved."),
    ),
    429: (
        _l("Too many attempts"),
        _l("There were too many attempts in a short time. Wait a few minutes and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred and nothing was saved. Please try again later."),
    ),
    503: (
        _l("The portal is temporarily unavailable"),
        _l("The portal cannot reach its database at the moment and nothing was saved. "
           "Please try again in a few minutes."),
    ),
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def render_error(code: int, detail: str | None = None, *, without_database: bool = False):
    if without_database:
        # Render as for a visitor: the navigation and the language then come from the session alone.
        g._login_user = login_manager.anonymous_user()
    title, text = MESSAGES.get(code, MESSAGES[500])
    if _wants_json():
        response = jsonify(error=str(title), detail=detail or str(text))
    else:
        response = render_template("errors/error.html", code=code, title=title, text=detail or text)
    return response, code, _retry_after(code)


def survives_outage(handler):
    """Should an error page need the database while it is away (the signed-in user is loaded for the
    navigation and the language), answer with the 503 page instead, which needs none."""

    @functools.wraps(handler)
    def handle(error):
        try:
            return handler(error)
        except DATABASE_UNAVAILABLE as unavailable:
            return database_unavailable(unavailable)

    return handle


def _retry_after(code: int) -> dict:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)} if code == 503 else {}


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the page must still be shown
        log.warning("rollback failed while answering an error", exc_info=True)


@bp.app_errorhandler(CSRFError)
@survives_outage
def csrf_error(error):
    from flask_babel import gettext as _

    return render_error(
        400, _("The form has expired or was not sent from this site. Reload the page and send it again.")
    )


def _handler(code):
    @survives_outage
    def handle(error):
        return render_error(code)

    return handle


for _code in (400, 403, 404, 405, 413, 429):
    bp.app_errorhandler(_code)(_handler(_code))


@bp.app_errorhandler(StaleDataError)
def stale_data(error):
    """Two saves of one record at the same moment (portal.versioning): the loser changes nothing."""
    db.session.rollback()
    return render_error(409)


@bp.app_errorhandler(500)
def internal_error(error):
    _rollback_quietly()
    if isinstance(getattr(error, "original_exception", None), DATABASE_UNAVAILABLE):
        return database_unavailable(error.original_exception)
    return render_error(500, without_database=True)


def database_unavailable(error):
    """A 503 in the browser's chosen language (Czech by default) that needs no database: during a restart
    or an outage nobody gets the server's bare English error."""
    log.warning("database unavailable: %s", error.__class__.__name__)
    _rollback_quietly()
    return render_error(503, without_database=True)


for _exception in DATABASE_UNAVAILABLE:
    bp.app_errorhandler(_exception)(database_unavailable)
