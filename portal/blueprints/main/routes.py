from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from portal.blueprints.main import bp
from portal.extensions import db
from portal.security import public


def safe_next(target: str | None, default: str) -> str:
    """Only same-site relative paths are followed after a form (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    # Browsers read a backslash as a slash ("/\\evil.example" is another site); control characters have
    # no place in a path either.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    return target


@bp.get("/")
@public
def index():
    if not current_user.is_authenticated:
        return render_template("main/index.html", dashboard=None)
    from portal import clock, dashboard
    from portal.proposals import reads as proposals

    board = dashboard.build(current_user, clock.today())
    # The signed-in person's consultations (the consultations part's page, once it is there).
    consultations_url = (url_for("consultations.mine") if "consultations.mine" in current_app.view_functions
                         else None)
    return render_template("main/index.html", dashboard=board, reply_labels=dashboard.reply_labels(),
                           consultations_url=consultations_url,
                           overdue_milestones=proposals.overdue_milestones(board.managed, clock.today()))


@bp.post("/language")
@public
def set_language():
    locale = request.form.get("locale")
    if locale in current_app.config["LANGUAGES"]:
        session["locale"] = locale
        if current_user.is_authenticated and current_user.locale != locale:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))
