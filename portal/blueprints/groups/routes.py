"""Working groups: public pages and directory, management of memberships and settings, the member's own
sensitive-trait declarations.

Access: pages are `public` / `members` / `coordinators` by the decorators, with object checks on top:
a non-public group is visible only to its members and managers; management needs
`services.is_group_coordinator` (portal admins, portal coordinators of the territory, the group's chair and
coordinators); others get 403, or 404 for a group they may not see. E-mails in the directory follow
`services.shows_contact`.

Edit forms carry the version the user saw and creation forms a one-time token (portal.forms_kit): a save
from an outdated page answers 409 with the stored values beside the kept input; a creation form sent again
leads to what it created.
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import forms_kit, web
from portal.blueprints.groups import bp
from portal.blueprints.groups.forms import (
    GROUP_ROLE_LABELS,
    KIND_LABELS,
    AddMemberForm,
    EditMemberForm,
    EndMemberForm,
    GroupForm,
    TraitForm,
)
from portal.clock import today
from portal.consultations import access as consultation_access
from portal.consultations import listing as consultation_listing
from portal.exports import file_name, send, to_csv, to_xlsx
from portal.extensions import db
from portal.forms_kit import ConfirmForm
from portal.groups import reads, services
from portal.groups.balance import CATEGORIES, CATEGORY_LABELS, suppressed
from portal.groups.charts import composition_bars, timeline_columns
from portal.groups.traits import TRAITS, consent_text
from portal.meetings import reads as meeting_reads
from portal.models import Membership, WorkingGroup
from portal.models.base import utcnow
from portal.models.groups import Category, PendingMembership
from portal.reports import reads as report_reads
from portal.security import coordinators, members, public, signed_in
from portal.versioning import STALE_ERRORS


def _membership(group: WorkingGroup, membership_id: int) -> Membership:
    membership = db.get_or_404(Membership, membership_id)
    if membership.group_id != group.id:
        abort(404)
    return membership


def _parse_date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _refused(form, error: services.GroupError, default_field) -> None:
    """Show a service refusal at its field (or the route's usual one); nothing was saved."""
    db.session.rollback()
    field = getattr(form, error.field, None) if error.field else None
    (field if field is not None else default_field).errors.append(str(error))


def _labels() -> dict:
    return {"category_labels": CATEGORY_LABELS, "role_labels": GROUP_ROLE_LABELS, "kind_labels": KIND_LABELS,
            "categories": CATEGORIES, "suppressed": suppressed}


# ---- public pages ------------------------------------------------------------------------------------


@bp.get("/groups/")
@public
def index():
    groups = services.visible_groups(current_user, today())
    return render_template("groups/index.html", groups=groups, **_labels())


@bp.get("/groups/<int:group_id>")
@public
def show(group_id: int):
    group, viewer = web.visible_group(group_id)
    on = _parse_date(request.args.get("on"), today())
    on = min(on, today())
    composition = services.composition(group, on)
    meetings_box = meeting_reads.group_summary(current_user, group, today(), utcnow())
    consultations_box = consultation_listing.group_box(group, manages=viewer.manages)
    return render_template("groups/show.html", group=group, viewer=viewer, on=on, is_today=(on == today()),
                           meetings_box=meetings_box, composition=composition,
                           reports_box=report_reads.group_box(current_user, group, viewer),
                           consultations_box=consultations_box,
                           consultation_links={c.id: url_for("consultations.answer", key=c.link_key)
                                               for c in consultations_box.consultations},
                           consultation_state_labels=consultation_access.STATE_LABELS,
                           assessment=composition.assessment,
                           bars=composition_bars(composition.assessment),
                           columns=timeline_columns(composition.timeline), **_labels())


@bp.get("/groups/<int:group_id>/members")
@public
def directory(group_id: int):
    group, viewer = web.visible_group(group_id)
    former = viewer.sees_full_directory and request.args.get("state") == "former"
    if former:
        query = reads.former_members_query(group, today())
    elif viewer.sees_full_directory:
        query = services.active_members_query(group, today())
    else:
        query = services.public_directory_query(group, today())
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    pending = services.pending_members(group) if viewer.manages else []
    return render_template("groups/members.html", group=group, viewer=viewer, page=page, former=former,
                           pending=pending, parent_category=Category.PARENT.value,
                           shows_contact=services.shows_contact, **_labels())


# ---- managing a group --------------------------------------------------------------------------------


def _parent_choices(form: GroupForm, territory_id: int | None, exclude: int | None = None) -> None:
    groups = reads.territory_groups(territory_id, exclude=exclude)
    form.parent_id.choices = [(0, _("— none —"))] + [(g.id, g.name) for g in groups]


@bp.route("/groups/new", methods=["GET", "POST"])
@coordinators
def create():
    form = GroupForm()
    del form.version
    _parent_choices(form, current_user.territory_id)
    if form.validate_on_submit():
        if replay := forms_kit.replay(form, url_for("groups.index")):
            return replay
        try:
            group = services.create_group(form.data_for_service(), actor=current_user)
        except services.GroupError as error:
            _refused(form, error, form.name)
        else:
            url = url_for("groups.show", group_id=group.id)
            forms_kit.fulfil(form, url)
            db.session.commit()
            flash(_("The group has been created. Now add its members."), "success")
            return redirect(url)
    return render_template("groups/form.html", form=form, group=None)


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@members
def edit(group_id: int):
    group = web.managed_group(group_id)
    form = _group_form(GroupForm(obj=group), group, stored=request.method == "GET")
    if form.validate_on_submit():
        try:
            services.update_group(group, form.data_for_service(), actor=current_user,
                                  seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            stored = forms_kit.conflict(form, lambda: (
                group.version, _group_form(GroupForm(formdata=None, obj=group), group, stored=True)))
            return render_template("groups/form.html", form=form, group=group, conflict=stored), 409
        except services.GroupError as error:
            _refused(form, error, form.name)
        else:
            flash(_("The group's settings have been saved."), "success")
            return redirect(url_for("groups.show", group_id=group.id))
    return render_template("groups/form.html", form=form, group=group)


def _group_form(form: GroupForm, group: WorkingGroup, stored: bool) -> GroupForm:
    if hasattr(form, "once"):
        del form.once
    if stored:
        form.parent_id.data = group.parent_id or 0
    _parent_choices(form, group.territory_id, exclude=group.id)
    return form


@bp.route("/groups/<int:group_id>/members/add", methods=["GET", "POST"])
@members
def add_member(group_id: int):
    group = web.managed_group(group_id)
    form = AddMemberForm()
    if form.validate_on_submit():
        directory = url_for("groups.directory", group_id=group.id)
        if replay := forms_kit.replay(form, directory):
            return replay
        try:
            added = services.add_member(
                group, email=form.email.data, name=form.name.data, category=form.category.data,
                organisation=form.organisation.data, role=form.role.data, joined_on=form.joined_on.data,
                actor=current_user, locale=form.locale.data,
            )
        except services.GroupError as error:
            _refused(form, error, form.email)
        else:
            forms_kit.fulfil(form, directory)
            db.session.commit()
            if isinstance(added, PendingMembership):
                flash(_("%(email)s has been invited; the membership starts when the invitation is accepted.",
                        email=form.email.data), "success")
            else:
                flash(_("%(name)s is now a member of the group.", name=added.user.name), "success")
            return redirect(url_for("groups.directory", group_id=group.id))
    return render_template("groups/add_member.html", form=form, group=group)


@bp.route("/groups/<int:group_id>/members/<int:membership_id>/edit", methods=["GET", "POST"])
@members
def edit_member(group_id: int, membership_id: int):
    group = web.managed_group(group_id)
    membership = _membership(group, membership_id)
    if membership.left_on is not None:
        flash(_("This membership has ended; it can no longer be changed."), "error")
        return redirect(url_for("groups.directory", group_id=group.id))
    form = EditMemberForm(obj=membership)
    if form.validate_on_submit():
        try:
            services.change_membership(
                membership, category=form.category.data, organisation=form.organisation.data,
                role=form.role.data, effective_on=form.effective_on.data, actor=current_user,
                seen_version=form.version.data,
            )
            db.session.commit()
        except STALE_ERRORS:
            stored = forms_kit.conflict(form, lambda: (
                membership.version, EditMemberForm(formdata=None, obj=membership)))
            return render_template("groups/edit_member.html", form=form, group=group, membership=membership,
                                   conflict=stored), 409
        except services.GroupError as error:
            _refused(form, error, form.effective_on)
        else:
            flash(_("The membership has been changed."), "success")
            return redirect(url_for("groups.directory", group_id=group.id))
    return render_template("groups/edit_member.html", form=form, group=group, membership=membership)


@bp.route("/groups/<int:group_id>/members/<int:membership_id>/end", methods=["GET", "POST"])
@members
def end_member(group_id: int, membership_id: int):
    group = web.managed_group(group_id)
    membership = _membership(group, membership_id)
    form = EndMemberForm(obj=membership)
    if request.method == "GET":
        form.left_on.data = today()
    if form.validate_on_submit():
        try:
            services.end_membership(membership, form.left_on.data, actor=current_user,
                                    seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            stored = forms_kit.conflict(form, lambda: (
                membership.version, EndMemberForm(formdata=None, obj=membership)))
            return render_template("groups/end_member.html", form=form, group=group, membership=membership,
                                   conflict=stored, **_labels()), 409
        except services.GroupError as error:
            _refused(form, error, form.left_on)
        else:
            flash(_("The membership of %(name)s has ended.", name=membership.user.name), "success")
            return redirect(url_for("groups.directory", group_id=group.id))
    # GET (or a bad date) shows the confirmation page; nothing changes without the confirming POST.
    return render_template("groups/end_member.html", form=form, group=group, membership=membership,
                           **_labels())


@bp.get("/groups/<int:group_id>/members.<fmt>")
@members
def export(group_id: int, fmt: str):
    group = web.managed_group(group_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    on = today()
    header, rows = reads.member_rows(group, on)
    body = to_csv(header, rows) if fmt == "csv" else to_xlsx(header, rows, title=_("Members"))
    return send(body, file_name(group.slug, "členové", on.isoformat(), extension=fmt))


# ---- the member's own sensitive traits ---------------------------------------------------------------


@bp.route("/account/traits", methods=["GET", "POST"])
@signed_in
def traits():
    locale = current_user.locale or "cs"
    offered = services.offered_traits(current_user, today())
    forms = {code: TraitForm(prefix=code) for code in offered}
    if request.method == "POST":
        code = request.form.get("code")
        if code in TRAITS and code not in forms:
            abort(403)  # not offered to this person (a forged form): nothing is stored
        form = forms.get(code)
        if form is None:
            abort(400)
        if form.validate_on_submit():
            if not form.consent.data:
                form.consent.errors.append(
                    _("Tick the box to give your consent; without it nothing is stored."))
            else:
                services.declare_trait(current_user, code, consent_given=True, locale=locale,
                                       actor=current_user)
                db.session.commit()
                flash(_("Saved. You can withdraw your consent here at any time."), "success")
                return redirect(url_for("groups.traits"))
    declared = services.my_traits(current_user)
    texts = {code: consent_text(code, locale) for code in TRAITS}
    return render_template("account/traits.html", forms=forms, declared=declared, traits=TRAITS, texts=texts,
                           offered=offered)


@bp.route("/account/traits/<code>/withdraw", methods=["GET", "POST"])
@signed_in
def withdraw_trait(code: str):
    if code not in TRAITS:
        abort(404)
    declared = services.my_traits(current_user).get(code)
    if declared is None:
        flash(_("There is nothing to withdraw."), "info")
        return redirect(url_for("groups.traits"))
    form = ConfirmForm()
    if form.validate_on_submit():
        services.withdraw_trait(current_user, code, actor=current_user)
        db.session.commit()
        flash(_("Your consent has been withdrawn and the information erased."), "success")
        return redirect(url_for("groups.traits"))
    return render_template("groups/withdraw_trait.html", form=form, trait=TRAITS[code], declared=declared)
