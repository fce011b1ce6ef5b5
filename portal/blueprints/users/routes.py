from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from portal import web
from portal.accounts import services
from portal.blueprints.users import bp
from portal.blueprints.users.forms import ROLE_LABELS, InviteForm, RoleForm
from portal.extensions import db
from portal.forms_kit import ConfirmForm
from portal.models import Invitation, User
from portal.models.base import utcnow
from portal.security import admins, coordinators


def _in_territory(query):
    # An administrator without a territory sees every account (single-territory installations).
    if current_user.territory_id is not None:
        query = query.where(User.territory_id == current_user.territory_id)
    return query


def _get_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if current_user.territory_id is not None and user.territory_id != current_user.territory_id:
        abort(404)
    return user


@bp.get("/")
@coordinators
def index():
    q = (request.args.get("q") or "").strip()
    query = _in_territory(select(User)).order_by(User.name)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(User.name.ilike(like), User.email.ilike(like), User.organisation.ilike(like)))
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    pending_query = (
        select(Invitation)
        .where(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
        .limit(50)
    )
    if current_user.territory_id is not None:
        pending_query = pending_query.where(Invitation.territory_id == current_user.territory_id)
    pending = db.session.scalars(pending_query).all()
    return render_template("users/index.html", page=page, q=q, pending=pending, role_labels=ROLE_LABELS)


@bp.route("/invite", methods=["GET", "POST"])
@coordinators
def invite():
    form = InviteForm()
    form.role.choices = [(r.value, ROLE_LABELS[r.value]) for r in services.invitable_roles(current_user)]
    if request.method == "GET":
        form.role.data = "member"
    if form.validate_on_submit():
        try:
            services.invite(
                form.email.data,
                role=form.role.data,
                name=form.name.data,
                actor=current_user,
                locale=form.locale.data,
            )
        except services.AccountError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("The invitation has been sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("users.index"))
    return render_template("users/invite.html", form=form)


@bp.route("/invitations/<int:invitation_id>/revoke", methods=["GET", "POST"])
@coordinators
def revoke_invitation(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if current_user.territory_id is not None and invitation.territory_id != current_user.territory_id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        web.commit_or_explain(lambda: services.revoke_invitation(invitation, actor=current_user),
                              services.AccountError,
                              done=_("The invitation for %(email)s has been withdrawn.",
                                     email=invitation.email))
        return redirect(url_for("users.index"))
    return render_template("users/confirm_revoke.html", invitation=invitation, form=form)


@bp.get("/<int:user_id>")
@coordinators
def show(user_id: int):
    user = _get_user(user_id)
    return render_template(
        "users/show.html",
        user=user,
        role_form=RoleForm(role=user.role),
        confirm_form=ConfirmForm(),
        role_labels=ROLE_LABELS,
    )


@bp.route("/<int:user_id>/deactivate", methods=["GET", "POST"])
@admins
def deactivate(user_id: int):
    return _set_active(user_id, False)


@bp.route("/<int:user_id>/activate", methods=["GET", "POST"])
@admins
def activate(user_id: int):
    return _set_active(user_id, True)


def _set_active(user_id: int, active: bool):
    user = _get_user(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        web.commit_or_explain(lambda: services.set_active(user, active, actor=current_user),
                              services.AccountError,
                              done=_("The account has been activated.") if active
                              else _("The account has been deactivated."))
        return redirect(url_for("users.show", user_id=user.id))
    # GET shows the confirmation page; nothing changes without the confirming POST.
    return render_template("users/confirm_active.html", user=user, form=form, active=active)


@bp.post("/<int:user_id>/role")
@admins
def change_role(user_id: int):
    user = _get_user(user_id)
    form = RoleForm()
    if form.validate_on_submit():
        web.commit_or_explain(lambda: services.change_role(user, form.role.data, actor=current_user),
                              services.AccountError, done=_("The role has been changed."))
    else:
        flash(_("Choose a valid role."), "error")
    return redirect(url_for("users.show", user_id=user.id))
