from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts import services, sessions
from portal.blueprints.auth import bp
from portal.blueprints.auth.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
)
from portal.blueprints.main.routes import safe_next
from portal.extensions import db, limiter
from portal.security import public, signed_in, token_link


def _account_key() -> str:
    return "signin:" + services.normalise_email(request.form.get("email", ""))


def _sign_in(user, *, remember: bool = False) -> None:
    """Open a login session for `user`, commit, and sign this browser in with it."""
    sessions.start(user)
    db.session.commit()
    login_user(user, remember=remember)


def _sign_out() -> None:
    """End this browser's login session on the server, then forget it in the cookies."""
    sessions.end(current_user._get_current_object())
    db.session.commit()
    logout_user()


def _failed(response) -> bool:
    # A successful sign-in redirects; only failures (the form shown again) count against the limits.
    return response.status_code != 302


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["SIGNIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    scope="signin-account",
)
@limiter.limit(
    lambda: current_app.config["SIGNIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed,
    scope="signin-ip",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            _sign_in(user, remember=form.remember.data)
            flash(_("You are signed in."), "success")
            return redirect(safe_next(request.args.get("next"), url_for("main.index")))
        # One message for a wrong password, an unknown address and a deactivated account.
        flash(_("The e-mail or password is not correct."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/sign-out")
@signed_in
def logout():
    _sign_out()
    flash(_("You are signed out."), "success")
    return redirect(url_for("main.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit("10 per hour", methods=["POST"], scope="password-forgot")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, locale=str(get_locale()))
        db.session.commit()
        # The same answer whether or not the address has an account.
        flash(
            _("If an account exists for this address, we have sent it a link to set a new password."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@token_link
def reset_password(token: str):
    try:
        services.open_password_reset(token)
    except services.AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("auth.forgot_password"))
        db.session.commit()
        if current_user.is_authenticated:
            _sign_out()
        flash(_("Your password has been changed. You can sign in now."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@token_link
def accept_invitation(token: str):
    try:
        invitation = services.open_invitation(token)
    except services.AccountError as error:
        return render_template("auth/invitation_invalid.html", message=str(error)), 410
    form = AcceptInvitationForm()
    if request.method == "GET" and invitation.name:
        form.name.data = invitation.name
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                token, name=form.name.data, password=form.password.data, organisation=form.organisation.data
            )
        except services.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("auth/accept.html", form=form, invitation=invitation)
        db.session.commit()
        if current_user.is_authenticated:
            _sign_out()
        _sign_in(user)
        flash(_("Welcome! Your account is ready."), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/accept.html", form=form, invitation=invitation)
