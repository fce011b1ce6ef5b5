from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts import services, sessions, sign_in_links, tokens
from portal.blueprints.auth import bp
from portal.blueprints.auth.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    LinkSignInForm,
    LoginForm,
    RequestLinkForm,
    ResetPasswordForm,
)
from portal.blueprints.main.routes import safe_next
from portal.extensions import db, limiter
from portal.models import Role, User
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
    # Parents coming to a consultation or a public comment round sign in with an e-mailed link instead.
    next_path = sign_in_links.local_path(request.args.get("next"))
    return render_template("auth/login.html", form=form, next_path=next_path,
                           link_target=sign_in_links.link_target(next_path)[0])


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


# ---- one-time sign-in links (parents and anyone without a password) ------------------------------------


def _link_address_key() -> str:
    return "signin-link:" + services.normalise_email(request.form.get("email", ""))


def _landing(next_path: str | None, user: User) -> str:
    """Where a link sign-in leads: its `next`; else a parent's consultations, anyone else's home page."""
    if next_path:
        return next_path
    if user.role == Role.PARENT:
        return url_for("consultations.mine")
    return url_for("main.index")


@bp.route("/auth/link", methods=["GET", "POST"])
@public
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LINK_LIMIT_PER_ADDRESS"], key_func=_link_address_key,
    methods=["POST"], scope="signin-link-address",
)
@limiter.limit(lambda: current_app.config["SIGN_IN_LINK_LIMIT_PER_IP"], methods=["POST"],
               scope="signin-link-ip")
def request_link():
    next_path = sign_in_links.local_path(request.args.get("next"))
    form = RequestLinkForm()
    if form.validate_on_submit():
        sign_in_links.request_link(form.email.data, next_path=next_path, locale=str(get_locale()))
        db.session.commit()
        # The same page whether or not the address has an account (nothing to learn about who is here).
        return render_template("auth/link_sent.html", email=services.normalise_email(form.email.data),
                               next_path=next_path, minutes=sign_in_links.valid_minutes())
    return render_template("auth/link_request.html", form=form, next_path=next_path,
                           minutes=sign_in_links.valid_minutes()), 422 if form.errors else 200


def _link_refused(error: tokens.TokenError | None):
    """A plain page saying the link cannot be used, with the form for a new one (leading to the same
    place). A used link opened again in the browser it signed in (a double click, the e-mail opened again)
    just leads on."""
    link = error.link if error else None
    if (link is not None and error.problem == tokens.Problem.USED and current_user.is_authenticated
            and link.email and services.normalise_email(link.email) == current_user.email.lower()):
        return redirect(_landing(sign_in_links.local_path(link.next_path), current_user))
    next_path = sign_in_links.local_path(link.next_path) if link is not None else None
    problem = error.problem.value if error else "refused"
    form = RequestLinkForm(formdata=None)
    return render_template("auth/link_invalid.html", problem=problem, form=form, next_path=next_path,
                           minutes=sign_in_links.valid_minutes()), 410


@bp.route("/auth/link/<token>", methods=["GET", "POST"])
@token_link
def link_sign_in(token: str):
    try:
        link = sign_in_links.open_link(token)
    except tokens.TokenError as error:
        return _link_refused(error)
    form = LinkSignInForm()
    if not form.validate_on_submit():
        # The address the link signs in, so that nobody is slipped into someone else's account (a link
        # someone asked for their own address and sent to another person, who would then answer as them).
        email = link.email or (link.user.email if link.user else "")
        return render_template("auth/link_sign_in.html", form=form, email=email)
    try:
        user, next_path, created = sign_in_links.sign_in_with(token, locale=str(get_locale()))
    except tokens.TokenError as error:
        db.session.rollback()
        return _link_refused(error)
    except sign_in_links.SignInRefused:
        db.session.rollback()
        return _link_refused(None)
    except sign_in_links.PasswordNeeded as needed:
        db.session.rollback()
        if current_user.is_authenticated and current_user.role != Role.PARENT:
            return redirect(needed.next_path or url_for("main.index"))
        flash(_("Your account signs in with its password. Sign in with it and the questionnaire opens."),
              "info")
        return redirect(url_for("auth.login", next=needed.next_path) if needed.next_path
                        else url_for("auth.login"))
    if current_user.is_authenticated:
        _sign_out()
    _sign_in(user)
    flash(_("Welcome! You are signed in.") if created else _("You are signed in."), "success")
    return redirect(_landing(next_path, user))
