from flask import flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from portal.accounts import services
from portal.blueprints.account import bp
from portal.blueprints.account.forms import ChangePasswordForm, ProfileForm
from portal.extensions import db
from portal.security import signed_in


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
    return render_template("account/profile.html", form=form)


@bp.route("/password", methods=["GET", "POST"])
@signed_in
def change_password():
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
