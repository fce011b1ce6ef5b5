from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal.accounts import services
from portal.blueprints.account import bp
from portal.blueprints.account.forms import ChangePasswordForm, ProfileForm
from portal.extensions import db
from portal.forms_kit import ConfirmForm
from portal.models import Role
from portal.security import signed_in


def _is_parent() -> bool:
    return current_user.role == Role.PARENT


@bp.route("/", methods=["GET", "POST"])
@signed_in
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(
            current_user,
            name=form.name.data,
            organisation=form.organisation.data,
            locale=form.locale.data,
            share_contact=form.share_contact.data,
            actor=current_user,
        )
        db.session.commit()
        session["locale"] = current_user.locale
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form, parent=_is_parent(),
                           has_password=current_user.password_hash is not None)


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def change_password():
    if current_user.password_hash is None:
        # Accounts signed in by e-mailed links have no password, and are never asked for one.
        flash(_("Your account has no password: you sign in with a link sent to your e-mail."), "info")
        return redirect(url_for("account.profile"))
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except services.AccountError as error:
            db.session.rollback()
            form.current.errors.append(str(error))
        else:
            db.session.commit()
            # The session version changed; sign this session in again so only the others end.
            login_user(current_user._get_current_object())
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/password.html", form=form)


@bp.route("/delete", methods=["GET", "POST"])
@signed_in
def delete():
    """A parent deletes their own account (after confirming); their answers and comments stay, without
    their name. Other accounts are ended by an administrator (memberships and history hang on them)."""
    if not _is_parent():
        abort(404)  # no such page for accounts with memberships and history
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.delete_parent_account(current_user._get_current_object(), actor=current_user)
        except services.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("account.profile"))
        db.session.commit()
        logout_user()
        flash(_("Your account has been deleted. Your answers stay, without your name."), "success")
        return redirect(url_for("main.index"))
    # Said before confirming: a member of a group cannot delete the account here.
    refusal = services.parent_deletion_refusal(current_user._get_current_object())
    return render_template("account/delete.html", form=form, refusal=refusal)
