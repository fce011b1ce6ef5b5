"""One error blueprint: every error page in the site's look and the user's language."""

from flask import Blueprint, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db

bp = Blueprint("errors", __name__)

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
}


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def render_error(code: int, detail: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500])
    if _wants_json():
        return jsonify(error=str(title), detail=detail or str(text)), code
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


@bp.app_errorhandler(CSRFError)
def csrf_error(error):
    from flask_babel import gettext as _

    return render_error(
        400, _("The form has expired or was not sent from this site. Reload the page and send it again.")
    )


def _handler(code):
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
    db.session.rollback()
    return render_error(500)
