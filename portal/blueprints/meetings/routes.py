"""Meetings of working groups: lists, detail, scheduling, series, agenda, attendance, minutes.

Access: pages are `public` or `members` by the decorators, with object checks on top. A public meeting is
visible to anyone, a members-only one to members of a participating group and to those who may manage one
(others get 404, as if it did not exist). Managing needs `is_group_coordinator` of the organising group
(others get 403 if they may see the meeting or group, else 404).

Edit forms carry the version the user saw and creation forms a one-time token (portal.forms_kit): a save
from an outdated page answers 409 with the stored values beside the kept input; a creation form sent again
leads to what it created.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import exports, forms_kit, web
from portal.analysis_portal.links import flags_on_agenda
from portal.analysis_portal.visibility import hidden_for_current_user
from portal.blueprints.meetings import bp
from portal.blueprints.meetings.forms import (
    KIND_LABELS,
    STATUS_LABELS,
    AgendaItemForm,
    ApproveForm,
    CancelForm,
    GuestForm,
    MeetingForm,
    MinutesForm,
    ResolutionForm,
    SeriesForm,
    TaskForm,
    timezone_choices,
)
from portal.calendar.links import add_to_calendar_links
from portal.clock import today
from portal.extensions import db
from portal.forms_kit import ConfirmForm
from portal.groups import reads as group_reads
from portal.groups.balance import CATEGORY_LABELS
from portal.meetings import attendance, cadence, minutes, reads, services
from portal.meetings.services import MeetingData, MeetingError, SeriesSpec
from portal.models import WorkingGroup
from portal.models.base import utcnow
from portal.models.meetings import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingStatus,
    Resolution,
    Task,
)
from portal.security import members, public
from portal.text import render_markdown
from portal.versioning import STALE_ERRORS

# ---- lookups with object checks ----------------------------------------------------------------------


def _owned(model, object_id: int):
    """A part of a meeting (agenda item, attendance row...), when the user manages the meeting."""
    obj = db.get_or_404(model, object_id)
    web.managed_meeting(obj.meeting_id)
    return obj


def _add_on_page(form, back: str, action, *, done: str) -> Response:
    """A small creation form within a page (guest, resolution, task): sent once, saved or refused with a
    message, and back to the page."""
    if form.validate_on_submit():
        if replay := forms_kit.replay(form, back):
            return replay
        web.commit_or_explain(action, MeetingError, done=done,
                              before_commit=lambda _created: forms_kit.fulfil(form, back))
    else:
        forms_kit.flash_errors(form)
    return redirect(back)



def _labels() -> dict:
    return {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS, "category_labels": CATEGORY_LABELS}


def _joint_choices(form, group: WorkingGroup) -> None:
    others = group_reads.territory_groups(group.territory_id, exclude=group.id)
    form.joint_group_ids.choices = [(g.id, g.name) for g in others]


def _meeting_data(form) -> MeetingData:
    return MeetingData(
        title=form.title.data, starts_local=form.starts_local.data, ends_local=form.ends_local.data,
        timezone=form.timezone.data, place=form.place.data, online_url=form.online_url.data,
        description=form.description.data, kind=form.kind.data, public=bool(form.public.data),
        joint_group_ids=tuple(form.joint_group_ids.data or ()),
        status=getattr(form, "status", None) and form.status.data or MeetingStatus.PLANNED.value,
    )


# ---- lists and detail --------------------------------------------------------------------------------


@bp.get("/groups/<int:group_id>/meetings")
@public
def index(group_id: int):
    group, viewer = web.visible_group(group_id)
    past = request.args.get("when") == "past"
    query = reads.group_meetings(group, viewer, past=past, now=utcnow())
    page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    report = cadence.group_cadence(group, today())
    return render_template("meetings/index.html", group=group, viewer=viewer, page=page, past=past,
                           report=report, warnings=cadence.warnings(report), **_labels())


@bp.get("/meetings/<int:meeting_id>")
@public
def show(meeting_id: int):
    meeting = web.visible_meeting(meeting_id)
    manages = services.can_manage(current_user, meeting, today())
    approved = minutes.is_approved(meeting)
    text = minutes.current_text(meeting) if (approved or manages) else ""
    replies = reads.reply_state(current_user, meeting, today())
    hidden = hidden_for_current_user(meeting)
    return render_template(
        "meetings/show.html", meeting=meeting, group=meeting.group, manages=manages,
        groups=reads.participating_groups(meeting), summary=attendance.summary_by_category(meeting),
        rate=attendance.member_rate(meeting),
        minutes_approved=approved, minutes_html=render_markdown(text), confirm_form=ConfirmForm(),
        hidden_items=hidden, agenda_flags=flags_on_agenda(meeting, current_user),
        calendar_links=add_to_calendar_links(meeting, hidden),
        past=meeting.starts_at <= utcnow(), my_invitation=replies.invitation, can_reply=replies.may_reply,
        **_labels(),
    )


# ---- scheduling --------------------------------------------------------------------------------------


@bp.route("/groups/<int:group_id>/meetings/new", methods=["GET", "POST"])
@members
def create(group_id: int):
    group = web.managed_group(group_id)
    form = MeetingForm()
    del form.version
    _joint_choices(form, group)
    if form.validate_on_submit():
        done = forms_kit.create_once(
            form, fallback=url_for("meetings.index", group_id=group.id), refusal=MeetingError,
            create=lambda: services.schedule_meeting(group, _meeting_data(form), actor=current_user),
            url_of=lambda m: url_for("meetings.show", meeting_id=m.id),
            message=_("The meeting has been saved. Now add its agenda."))
        if done:
            return done
    return render_template("meetings/form.html", form=form, group=group, meeting=None)


def _fill_from(form: MeetingForm, meeting: Meeting, stored: bool) -> MeetingForm:
    """The edit form's choices, and (`stored`) its values as stored: times in the meeting's zone."""
    if hasattr(form, "status"):
        del form.status
    if hasattr(form, "once"):
        del form.once
    _joint_choices(form, meeting.group)
    form.timezone.choices = timezone_choices(meeting.timezone)
    if stored:
        form.starts_local.data = services.local_time(meeting.starts_at, meeting.timezone).replace(tzinfo=None)
        form.ends_local.data = services.local_time(meeting.ends_at, meeting.timezone).replace(tzinfo=None)
        form.joint_group_ids.data = [p.group_id for p in meeting.participants
                                     if p.group_id != meeting.group_id]
    return form


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@members
def edit(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    if meeting.is_cancelled:
        flash(_("This meeting has been cancelled and can no longer be changed."), "error")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    form = _fill_from(MeetingForm(obj=meeting), meeting, stored=request.method == "GET")
    if form.validate_on_submit():
        try:
            changed = services.update_meeting(meeting, _meeting_data(form), actor=current_user,
                                              seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            stored = forms_kit.conflict(form, lambda: (
                meeting.version, _fill_from(MeetingForm(formdata=None, obj=meeting), meeting, stored=True)),
                first=("title", "starts_local", "ends_local"))
            return render_template("meetings/form.html", form=form, group=meeting.group, meeting=meeting,
                                   conflict=stored), 409
        except MeetingError as error:
            forms_kit.refused(form, error)
        else:
            flash(_("The meeting has been saved.") if changed else _("Nothing has changed."), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, group=meeting.group, meeting=meeting)


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@members
def cancel(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel_meeting(meeting, form.reason.data, actor=current_user)
        except MeetingError as error:
            forms_kit.refused(form, error)
        else:
            db.session.commit()
            flash(_("The meeting has been cancelled."), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    # GET shows the confirmation page; nothing changes without the confirming POST.
    return render_template("meetings/cancel.html", meeting=meeting, form=form)


@bp.post("/meetings/<int:meeting_id>/held")
@members
def mark_held(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    if ConfirmForm().validate_on_submit():
        web.commit_or_explain(lambda: services.mark_held(meeting, actor=current_user), MeetingError,
                              done=_("The meeting is marked as held."))
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.route("/groups/<int:group_id>/meetings/series", methods=["GET", "POST"])
@members
def series(group_id: int):
    group = web.managed_group(group_id)
    form = SeriesForm()
    _joint_choices(form, group)
    if request.method == "GET":
        form.year.data = today().year + (1 if today().month >= 10 else 0)
    preview = None
    if form.validate_on_submit():
        spec = SeriesSpec(
            year=form.year.data, months=tuple(form.months.data or ()), weekday=form.weekday.data,
            nth=form.nth.data, start=form.start.data, duration_minutes=form.duration_minutes.data,
            meeting=MeetingData(
                title=form.title.data, starts_local=None, ends_local=None, timezone=form.timezone.data,
                place=form.place.data, online_url=form.online_url.data, description=form.description.data,
                kind=form.kind.data, public=bool(form.public.data),
                joint_group_ids=tuple(form.joint_group_ids.data or ()),
            ),
        )
        creating = request.form.get("action") == "create"
        if creating and (replay := forms_kit.replay(form, url_for("meetings.index", group_id=group.id))):
            return replay
        try:
            if creating:
                created = services.create_series(group, spec, actor=current_user)
                forms_kit.fulfil(form, url_for("meetings.index", group_id=group.id))
            else:
                preview = services.preview_series(spec)
                # Check the meeting fields too, so the preview does not promise what creating refuses.
                first = next(d for d in preview if not d.past)
                checked = dict(spec.meeting.__dict__, starts_local=first.starts_local,
                               ends_local=first.ends_local)
                services.check_meeting_data(group, MeetingData(**checked))
        except MeetingError as error:
            preview = None
            forms_kit.refused(form, error)
        else:
            if preview is None:
                db.session.commit()
                flash(_("%(num)s meetings have been planned.", num=len(created)), "success")
                return redirect(url_for("meetings.index", group_id=group.id))
    return render_template("meetings/series.html", form=form, group=group, preview=preview)


# ---- agenda ------------------------------------------------------------------------------------------


def _agenda_data(form) -> services.AgendaData:
    return services.AgendaData(title=form.title.data, presenter=form.presenter.data,
                               duration_minutes=form.duration_minutes.data, notes=form.notes.data)


@bp.route("/meetings/<int:meeting_id>/agenda", methods=["GET", "POST"])
@members
def agenda(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    form = AgendaItemForm()
    del form.version
    back = url_for("meetings.agenda", meeting_id=meeting.id)
    if form.validate_on_submit():
        if replay := forms_kit.replay(form, back):
            return replay
        try:
            item = services.add_agenda_item(meeting, _agenda_data(form), actor=current_user)
        except MeetingError as error:
            forms_kit.refused(form, error)
        else:
            forms_kit.fulfil(form, f"{back}#item-{item.id}")
            db.session.commit()
            flash(_("The agenda item has been added."), "success")
            return redirect(url_for("meetings.agenda", meeting_id=meeting.id))
    return render_template("meetings/agenda.html", meeting=meeting, form=form, confirm_form=ConfirmForm())


@bp.route("/meetings/agenda/<int:item_id>/edit", methods=["GET", "POST"])
@members
def edit_agenda_item(item_id: int):
    item = _owned(AgendaItem, item_id)
    form = AgendaItemForm(obj=item)
    del form.once
    if form.validate_on_submit():
        try:
            services.update_agenda_item(item, _agenda_data(form), actor=current_user,
                                        seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            stored = forms_kit.conflict(form, lambda: (item.version, AgendaItemForm(formdata=None, obj=item)))
            return render_template("meetings/agenda_item.html", item=item, meeting=item.meeting, form=form,
                                   conflict=stored), 409
        except MeetingError as error:
            forms_kit.refused(form, error)
        else:
            flash(_("The agenda item has been saved."), "success")
            return redirect(url_for("meetings.agenda", meeting_id=item.meeting_id))
    return render_template("meetings/agenda_item.html", item=item, meeting=item.meeting, form=form)


@bp.post("/meetings/agenda/<int:item_id>/move")
@members
def move_agenda_item(item_id: int):
    item = _owned(AgendaItem, item_id)
    if ConfirmForm().validate_on_submit():
        direction = request.form.get("direction", "")
        web.commit_or_explain(lambda: services.move_agenda_item(item, direction, actor=current_user),
                              MeetingError)
    return redirect(url_for("meetings.agenda", meeting_id=item.meeting_id) + f"#item-{item.id}")


@bp.route("/meetings/agenda/<int:item_id>/delete", methods=["GET", "POST"])
@members
def delete_agenda_item(item_id: int):
    item = _owned(AgendaItem, item_id)
    meeting_id = item.meeting_id
    return _confirm_delete(
        lambda: services.delete_agenda_item(item, actor=current_user),
        question=_("Remove the agenda item “%(title)s”?", title=item.title),
        done=_("The agenda item has been removed."),
        back=url_for("meetings.agenda", meeting_id=meeting_id), meeting=item.meeting,
    )


def _confirm_delete(action, *, question: str, done: str, back: str, meeting: Meeting):
    """GET: a confirmation page; POST: do it."""
    form = ConfirmForm()
    if form.validate_on_submit():
        web.commit_or_explain(action, MeetingError, done=done)
        return redirect(back)
    return render_template("meetings/confirm.html", form=form, question=question, back=back, meeting=meeting)


# ---- attendance --------------------------------------------------------------------------------------


@bp.route("/meetings/<int:meeting_id>/attendance", methods=["GET", "POST"])
@members
def attendance_sheet(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        present = {int(v) for v in request.form.getlist("present") if v.isdigit()}
        guests_present = {int(v) for v in request.form.getlist("guest_present") if v.isdigit()}
        def save() -> int:
            count = attendance.record_attendance(meeting, present, actor=current_user)
            for row in meeting.attendance:
                if row.is_guest and row.present != (row.id in guests_present):
                    attendance.set_guest_present(row, row.id in guests_present, actor=current_user)
            return count

        if web.commit_or_explain(save, MeetingError, done=lambda count: _(
                "The attendance has been saved (%(num)s members present).", num=count)):
            return redirect(url_for("meetings.attendance_sheet", meeting_id=meeting.id))
    return render_template("meetings/attendance.html", meeting=meeting, form=form, guest_form=GuestForm(),
                           lines=attendance.expected_people(meeting),
                           summary=attendance.summary_by_category(meeting),
                           rate=attendance.member_rate(meeting), **_labels())


@bp.post("/meetings/<int:meeting_id>/guests")
@members
def add_guest(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    form = GuestForm()
    back = url_for("meetings.attendance_sheet", meeting_id=meeting.id) + "#guests"
    return _add_on_page(form, back, lambda: attendance.add_guest(
        meeting, name=form.name.data, organisation=form.organisation.data, category=form.category.data,
        actor=current_user), done=_("The guest has been added."))


@bp.route("/meetings/guests/<int:attendance_id>/remove", methods=["GET", "POST"])
@members
def remove_guest(attendance_id: int):
    row = _owned(Attendance, attendance_id)
    if not row.is_guest:
        abort(404)
    return _confirm_delete(
        lambda: attendance.remove_guest(row, actor=current_user),
        question=_("Remove the guest %(name)s from the attendance?", name=row.name),
        done=_("The guest has been removed."),
        back=url_for("meetings.attendance_sheet", meeting_id=row.meeting_id), meeting=row.meeting,
    )


def _sheet(meeting_id: int, extension: str):
    """The attendance sheet as a download (or, when large, a background render); Czech file name."""
    meeting = web.managed_meeting(meeting_id)
    day = services.local_time(meeting.starts_at, meeting.timezone).date().isoformat()
    return exports.deliver("meetings.attendance", {"meeting_id": meeting.id},
                           filename=exports.file_name("prezenční-listina", day, extension=extension))


@bp.get("/meetings/<int:meeting_id>/attendance.pdf")
@members
def attendance_pdf(meeting_id: int):
    return _sheet(meeting_id, "pdf")


@bp.get("/meetings/<int:meeting_id>/attendance.docx")
@members
def attendance_docx(meeting_id: int):
    return _sheet(meeting_id, "docx")


# ---- minutes, resolutions, tasks ---------------------------------------------------------------------


def _owner_choices(form: TaskForm, meeting: Meeting) -> None:
    people = [line for line in attendance.expected_people(meeting) if line.user_id and not line.is_guest]
    form.owner_id.choices = [(0, _("— choose —"))] + [(p.user_id, p.name) for p in people]


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["GET", "POST"])
@members
def edit_minutes(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    approved = minutes.is_approved(meeting)
    form = MinutesForm()
    if request.method == "GET":
        form.body.data = minutes.current_text(meeting)
        form.version.data = minutes.current_version(meeting)
    if not approved and form.validate_on_submit():
        try:
            version = minutes.save_minutes(meeting, form.body.data, actor=current_user,
                                           seen_version=form.version.data)
            db.session.commit()
        except STALE_ERRORS:
            stored = forms_kit.conflict(form, lambda: (minutes.current_version(meeting), MinutesForm(
                formdata=None, data={"body": minutes.current_text(meeting)})))
            return _minutes_page(meeting, form, conflict=stored), 409
        except MeetingError as error:
            forms_kit.refused(form, error)
        else:
            flash(_("The minutes have been saved (version %(num)s).", num=version.version) if version
                  else _("Nothing has changed."), "success")
            return redirect(url_for("meetings.edit_minutes", meeting_id=meeting.id))
    elif approved and request.method == "POST":
        flash(_("The minutes have been approved and can no longer be changed."), "error")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return _minutes_page(meeting, form)


def _minutes_page(meeting: Meeting, form: MinutesForm, conflict=None) -> str:
    task_form = TaskForm()
    _owner_choices(task_form, meeting)
    return render_template("meetings/minutes.html", meeting=meeting, form=form,
                           approved=minutes.is_approved(meeting), resolution_form=ResolutionForm(),
                           task_form=task_form, confirm_form=ConfirmForm(), conflict=conflict,
                           preview=render_markdown(minutes.current_text(meeting)))


@bp.route("/meetings/<int:meeting_id>/minutes/approve", methods=["GET", "POST"])
@members
def approve_minutes(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    form = ApproveForm()
    if request.method == "GET":
        form.version.data = minutes.current_version(meeting)
    if form.validate_on_submit():
        try:
            minutes.approve_minutes(meeting, actor=current_user, seen_version=form.version.data)
        except STALE_ERRORS:
            db.session.rollback()
            form.version.data = minutes.current_version(meeting)
            flash(_("The minutes have changed since you opened this page, so they have not been approved. "
                    "Read the current text below and approve it if it is right."), "error")
            return render_template("meetings/approve.html", meeting=meeting, form=form,
                                   preview=render_markdown(minutes.current_text(meeting))), 409
        except MeetingError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("meetings.edit_minutes", meeting_id=meeting.id))
        db.session.commit()
        flash(_("The minutes have been approved; they can no longer be changed."), "success")
        return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("meetings/approve.html", meeting=meeting, form=form,
                           preview=render_markdown(minutes.current_text(meeting)))


@bp.get("/meetings/<int:meeting_id>/minutes/history")
@public
def minutes_history(meeting_id: int):
    meeting = web.visible_meeting(meeting_id)
    manages = services.can_manage(current_user, meeting, today())
    # Drafts are for the coordinators; everyone who sees the meeting sees the history of approved minutes.
    if meeting.minutes is None or not (manages or minutes.is_approved(meeting)):
        abort(404)
    versions = list(reversed(meeting.minutes.versions))
    return render_template("meetings/history.html", meeting=meeting, versions=versions,
                           author=minutes.version_author, render_markdown=render_markdown,
                           shown=request.args.get("version", type=int))


@bp.get("/meetings/<int:meeting_id>/minutes.<extension>")
@public
def minutes_export(meeting_id: int, extension: str):
    """The minutes as PDF or DOCX: approved minutes for everyone who sees the meeting, a draft (marked
    "NÁVRH") for its coordinators only."""
    if extension not in ("pdf", "docx"):
        abort(404)
    meeting = web.visible_meeting(meeting_id)
    manages = services.can_manage(current_user, meeting, today())
    if not minutes.exported_text(meeting) or not (manages or minutes.is_approved(meeting)):
        abort(404)
    return exports.deliver("meetings.minutes", {"meeting_id": meeting.id},
                           filename=minutes.export_name(meeting, extension))


@bp.post("/meetings/<int:meeting_id>/resolutions")
@members
def add_resolution(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    form = ResolutionForm()
    back = url_for("meetings.edit_minutes", meeting_id=meeting.id) + "#resolutions"
    return _add_on_page(form, back,
                        lambda: minutes.add_resolution(meeting, form.text.data, actor=current_user),
                        done=_("The resolution has been added."))


@bp.route("/meetings/resolutions/<int:resolution_id>/delete", methods=["GET", "POST"])
@members
def delete_resolution(resolution_id: int):
    resolution = _owned(Resolution, resolution_id)
    return _confirm_delete(
        lambda: minutes.delete_resolution(resolution, actor=current_user),
        question=_("Remove resolution no. %(num)s?", num=resolution.number),
        done=_("The resolution has been removed."),
        back=url_for("meetings.edit_minutes", meeting_id=resolution.meeting_id) + "#resolutions",
        meeting=resolution.meeting,
    )


@bp.post("/meetings/<int:meeting_id>/tasks")
@members
def add_task(meeting_id: int):
    meeting = web.managed_meeting(meeting_id)
    form = TaskForm()
    _owner_choices(form, meeting)
    back = url_for("meetings.edit_minutes", meeting_id=meeting.id) + "#tasks"
    return _add_on_page(form, back, lambda: minutes.add_task(meeting, minutes.TaskData(
        title=form.title.data, owner_id=form.owner_id.data or None, owner_name=form.owner_name.data,
        due_on=form.due_on.data), actor=current_user), done=_("The task has been added."))


@bp.post("/meetings/tasks/<int:task_id>/done")
@members
def toggle_task(task_id: int):
    task = _owned(Task, task_id)
    if ConfirmForm().validate_on_submit():
        minutes.set_task_done(task, request.form.get("done") == "1", actor=current_user)
        db.session.commit()
    back = request.form.get("back") == "show"
    return redirect(url_for("meetings.show" if back else "meetings.edit_minutes", meeting_id=task.meeting_id)
                    + "#tasks")


@bp.route("/meetings/tasks/<int:task_id>/delete", methods=["GET", "POST"])
@members
def delete_task(task_id: int):
    task = _owned(Task, task_id)
    return _confirm_delete(
        lambda: minutes.delete_task(task, actor=current_user),
        question=_("Remove the task “%(title)s”?", title=task.title),
        done=_("The task has been removed."),
        back=url_for("meetings.edit_minutes", meeting_id=task.meeting_id) + "#tasks", meeting=task.meeting,
    )

