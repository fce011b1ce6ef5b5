"""Comment rounds: creating and editing a round, reading the text with comment counts and commenting inline,
replies, editing and withdrawing one's comments, settling them, resolving disputes, the settlement table and
the authors' outcome e-mails; a territory's list of outcomes.

Access: `signed_in` pages (parents take part in public rounds) and `members` pages (managing), with object
checks on top: a round is seen by its participants and managers only (others get 404); managing needs
`is_group_coordinator` of the document's owner group (others who see the round get 403).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import clock, exports, forms_kit
from portal.blueprints.meetings import meeting_when
from portal.blueprints.rounds import bp
from portal.blueprints.rounds.forms import (
    AgendaForm,
    CommentForm,
    OutcomeForm,
    ReplyForm,
    ResolveForm,
    RoundForm,
    SettleForm,
)
from portal.documents import reads as documents_reads
from portal.extensions import db
from portal.forms_kit import ConfirmForm
from portal.models import WorkingGroup
from portal.models.documents import DocumentParagraph, DocumentVersion
from portal.models.rounds import Comment, CommentRound
from portal.rounds import export, reads, services
from portal.rounds.notify import send_outcomes
from portal.rounds.services import CommentData, RoundData, RoundError
from portal.security import coordinators, members, signed_in
from portal.versioning import STALE_ERRORS

# ---- lookups with object checks ----------------------------------------------------------------------


def _version(version_id: int) -> DocumentVersion:
    version = db.session.get(DocumentVersion, version_id)
    if version is None:
        abort(404)
    if not services.can_manage(current_user, version):
        abort(403 if version.document.territory_id == current_user.territory_id else 404)
    return version


def _visible(round_id: int) -> CommentRound:
    round_ = db.session.get(CommentRound, round_id)
    if round_ is None or not services.can_see(current_user, round_):
        abort(404)
    return round_


def _managed(round_id: int) -> CommentRound:
    round_ = _visible(round_id)
    if not services.can_manage(current_user, round_):
        abort(403)
    return round_


def _comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    round_ = _visible(comment.round_id)
    if comment.author_id != current_user.id and not services.sees_all_comments(current_user, round_):
        abort(404)
    return comment



def _labels() -> dict:
    return {
        "kind_labels": services.KIND_LABELS,
        "state_labels": services.STATE_LABELS,
        "resolution_labels": services.RESOLUTION_LABELS,
        "dispute_label": services.DISPUTE_LABEL,
    }


# ---- rounds ------------------------------------------------------------------------------------------


def _group_choices(form: RoundForm, version: DocumentVersion) -> None:
    form.group_ids.choices = [
        (g.id, g.name)
        for g in db.session.scalars(
            select(WorkingGroup)
            .where(WorkingGroup.territory_id == version.document.territory_id)
            .order_by(WorkingGroup.name)
        )
    ]


def _round_data(form: RoundForm) -> RoundData:
    return RoundData(
        title=form.title.data,
        opens_local=form.opens_local.data,
        closes_local=form.closes_local.data,
        instructions=form.instructions.data,
        public=bool(form.public.data),
        comments_visible=bool(form.comments_visible.data),
        group_ids=tuple(form.group_ids.data or ()),
    )


@bp.route("/versions/<int:version_id>/rounds/new", methods=["GET", "POST"])
@members
def create(version_id: int):
    version = _version(version_id)
    form = RoundForm()
    del form.version
    _group_choices(form, version)
    if request.method == "GET":
        form.group_ids.data = [version.document.group_id]
    if form.validate_on_submit():
        done = forms_kit.create_once(
            form, fallback=url_for("documents.show", document_id=version.document_id), refusal=RoundError,
            create=lambda: services.create_round(version, _round_data(form), actor=current_user),
            url_of=lambda r: url_for("rounds.show", round_id=r.id),
            message=_("The comment round has been saved. Participants are e-mailed when it opens."))
        if done:
            return done
    return render_template("rounds/form.html", form=form, version=version, round=None)


def _fill_round(form: RoundForm, round_: CommentRound, stored: bool) -> RoundForm:
    del form.once
    _group_choices(form, round_.document_version)
    if stored:
        form.opens_local.data = services.local(round_.opens_at).replace(tzinfo=None)
        form.closes_local.data = services.local(round_.closes_at).replace(tzinfo=None)
        form.group_ids.data = [g.group_id for g in round_.groups]
    return form


@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@members
def edit(round_id: int):
    round_ = _managed(round_id)
    form = _fill_round(RoundForm(obj=round_), round_, stored=request.method == "GET")
    if form.validate_on_submit():
        try:
            services.update_round(
                round_, _round_data(form), actor=current_user, seen_version=form.version.data
            )
            db.session.commit()
        except STALE_ERRORS:
            stored = forms_kit.conflict(
                form,
                lambda: (
                    round_.version,
                    _fill_round(RoundForm(formdata=None, obj=round_), round_, stored=True),
                ),
                first=("title", "opens_local", "closes_local"),
            )
            return render_template(
                "rounds/form.html", form=form, version=round_.document_version, round=round_, conflict=stored
            ), 409
        except RoundError as error:
            forms_kit.refused(form, error)
        else:
            flash(_("The comment round has been saved."), "success")
            return redirect(url_for("rounds.show", round_id=round_.id))
    return render_template("rounds/form.html", form=form, version=round_.document_version, round=round_)


@bp.get("/rounds/<int:round_id>")
@signed_in
def show(round_id: int):
    """The round: its state, instructions, progress, and its comments (threads), page by page."""
    round_ = _visible(round_id)
    manages = services.can_manage(current_user, round_)
    tops = (
        select(Comment)
        .join(DocumentParagraph, DocumentParagraph.id == Comment.paragraph_id)
        .where(Comment.round_id == round_.id, Comment.parent_id.is_(None))
        .options(
            joinedload(Comment.author),
            joinedload(Comment.settlement),
            joinedload(Comment.passage),
            joinedload(Comment.paragraph).joinedload(DocumentParagraph.section),
        )
        .order_by(DocumentParagraph.position, Comment.id)
    )
    if request.args.get("filter") == "open" and manages:
        tops = tops.where(Comment.withdrawn_at.is_(None), ~Comment.settlement.has())
    if anchor := request.args.get("paragraph"):  # the comments of one paragraph (its count on the text)
        tops = tops.where(DocumentParagraph.anchor == anchor)
    if not services.sees_all_comments(current_user, round_):
        tops = tops.where(Comment.author_id == current_user.id)
    page = db.paginate(tops, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    replies = reads.replies_of([c.id for c in page.items])
    return render_template(
        "rounds/show.html",
        round=round_,
        version=round_.document_version,
        document=round_.document_version.document,
        state=services.state(round_),
        manages=manages,
        participant=services.is_participant(current_user, round_),
        page=page,
        replies=replies,
        numbers=reads.numbers(round_),
        progress=reads.progress(round_),
        statistics=reads.statistics(round_),
        outcome_labels=services.outcome_labels(round_.document_version.document.territory_id),
        citation=reads.citation,
        reply_form=ReplyForm(),
        groups=[g.group for g in round_.groups],
        confirm_form=ConfirmForm(),
        new_token=forms_kit.new_token,
        may_configure=services.may_configure_outcomes(current_user, current_user.territory_id),
        **_labels(),
    )


@bp.get("/rounds/<int:round_id>/text")
@signed_in
def read(round_id: int):
    """The version's text with each paragraph's comment count; a participant comments inline (the form opens
    under the chosen paragraph: by a link without JavaScript, in place with it)."""
    round_ = _visible(round_id)
    version = round_.document_version
    counts = reads.paragraph_counts(round_, current_user)
    can_comment = services.state(round_) == services.OPEN and services.is_participant(current_user, round_)
    chosen = request.args.get("paragraph") if can_comment else None
    form = None
    if can_comment:
        form = CommentForm(formdata=None)
        del form.version
        form.organisation.data = current_user.organisation
    return render_template(
        "rounds/read.html",
        round=round_,
        version=version,
        document=version.document,
        view=documents_reads.reading_view(version),
        counts=counts,
        can_comment=can_comment,
        chosen=chosen,
        form=form,
        state=services.state(round_),
        citation=reads.citation,
        **_labels(),
    )


def _paragraph(round_: CommentRound, anchor: str | None) -> DocumentParagraph | None:
    if not anchor:
        return None
    return db.session.scalar(
        select(DocumentParagraph).where(
            DocumentParagraph.version_id == round_.version_id, DocumentParagraph.anchor == anchor
        )
    )


def _comment_data(form: CommentForm) -> CommentData:
    """The form's values (a reply's form has only the text)."""

    def value(name):
        return form[name].data if name in form else None

    return CommentData(
        kind=value("kind"),
        text=form.text.data,
        proposed_wording=value("proposed_wording"),
        quote=value("quote"),
        organisation=value("organisation"),
    )


@bp.route("/rounds/<int:round_id>/comments/new", methods=["GET", "POST"])
@signed_in
def comment(round_id: int):
    """A new comment on a paragraph (`paragraph` = its anchor); back to the paragraph in the text."""
    round_ = _visible(round_id)
    form = CommentForm()
    del form.version
    if request.method == "GET":
        form.paragraph.data = request.args.get("paragraph")
        form.organisation.data = current_user.organisation
    paragraph = _paragraph(round_, form.paragraph.data)
    if request.method == "GET" and paragraph is None:  # a paragraph is chosen in the text
        return redirect(url_for("rounds.read", round_id=round_.id))
    if paragraph is None and request.method == "POST" and "paragraph" not in form.errors:
        form.paragraph.errors = [_("Choose the paragraph.")]
    if paragraph is not None and form.validate_on_submit():
        back = url_for("rounds.read", round_id=round_.id, _anchor=paragraph.anchor)
        if replay := forms_kit.replay(form, back):
            return replay
        try:
            services.add_comment(round_, paragraph, _comment_data(form), actor=current_user)
        except RoundError as error:
            forms_kit.refused(form, error)
        else:
            forms_kit.fulfil(form, back)
            db.session.commit()
            flash(_("Your comment has been saved."), "success")
            return redirect(back)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "rounds/comment.html",
        round=round_,
        form=form,
        paragraph=paragraph,
        state=services.state(round_),
        participant=services.is_participant(current_user, round_),
        **_labels(),
    ), status


@bp.post("/comments/<int:comment_id>/reply")
@signed_in
def reply(comment_id: int):
    parent = _comment(comment_id)
    form = ReplyForm()
    back = url_for("rounds.show", round_id=parent.round_id, _anchor=f"c-{parent.parent_id or parent.id}")
    if form.validate_on_submit():
        if replay := forms_kit.replay(form, back):
            return replay
        try:
            services.reply(parent, form.text.data, actor=current_user)
        except RoundError as error:
            forms_kit.refused(None, error)
        else:
            forms_kit.fulfil(form, back)
            db.session.commit()
            flash(_("Your reply has been saved."), "success")
    else:
        forms_kit.flash_errors(form)
    return redirect(back)


def _fill_comment(form: CommentForm, comment: Comment, stored: bool) -> CommentForm:
    del form.once
    form.paragraph.data = comment.paragraph.anchor
    if comment.parent_id is not None:  # a reply is only a text
        for name in ("kind", "quote", "proposed_wording", "organisation"):
            delattr(form, name)
    elif stored:
        form.quote.data = comment.passage.quote if comment.passage else ""
    return form


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_comment(comment_id: int):
    comment = _comment(comment_id)
    if comment.author_id != current_user.id:
        abort(403)
    round_ = comment.round
    back = url_for("rounds.show", round_id=round_.id, _anchor=f"c-{comment.parent_id or comment.id}")
    form = _fill_comment(CommentForm(obj=comment), comment, stored=request.method == "GET")
    if form.validate_on_submit():
        try:
            services.update_comment(
                comment, _comment_data(form), actor=current_user, seen_version=form.version.data
            )
            db.session.commit()
        except STALE_ERRORS:
            stored = forms_kit.conflict(
                form,
                lambda: (
                    comment.version,
                    _fill_comment(CommentForm(formdata=None, obj=comment), comment, stored=True),
                ),
                first=("text",),
            )
            return render_template(
                "rounds/comment.html",
                round=round_,
                form=form,
                paragraph=comment.paragraph,
                comment=comment,
                conflict=stored,
                state=services.state(round_),
                participant=True,
                **_labels(),
            ), 409
        except RoundError as error:
            forms_kit.refused(form, error)
        else:
            flash(_("Your comment has been saved."), "success")
            return redirect(back)
    return render_template(
        "rounds/comment.html",
        round=round_,
        form=form,
        paragraph=comment.paragraph,
        comment=comment,
        state=services.state(round_),
        participant=True,
        **_labels(),
    )


@bp.route("/comments/<int:comment_id>/withdraw", methods=["GET", "POST"])
@signed_in
def withdraw_comment(comment_id: int):
    comment = _comment(comment_id)
    if comment.author_id != current_user.id:
        abort(403)
    form = ConfirmForm()
    back = url_for("rounds.show", round_id=comment.round_id, _anchor=f"c-{comment.parent_id or comment.id}")
    if form.validate_on_submit():
        try:
            services.withdraw_comment(comment, actor=current_user)
        except RoundError as error:
            forms_kit.refused(None, error)
        else:
            db.session.commit()
            flash(_("Your comment has been withdrawn."), "success")
        return redirect(back)
    return render_template("rounds/withdraw.html", comment=comment, form=form, back=back, **_labels())


# ---- settlement --------------------------------------------------------------------------------------


def _settle_form(comment: Comment, formdata=True) -> SettleForm:
    form = SettleForm() if formdata else SettleForm(formdata=None, obj=comment.settlement)
    territory_id = comment.round.document_version.document.territory_id
    choices = [(c.code, c.label) for c in services.outcomes_for(territory_id)]
    if comment.settlement is not None and comment.settlement.outcome not in dict(choices):
        labels = services.outcome_labels(territory_id)
        choices.append(
            (comment.settlement.outcome, labels.get(comment.settlement.outcome, comment.settlement.outcome))
        )
    form.outcome.choices = choices
    if not formdata or request.method == "GET":
        form.version.data = services.settlement_version(comment)
    return form


@bp.route("/comments/<int:comment_id>/settle", methods=["GET", "POST"])
@members
def settle(comment_id: int):
    comment = _comment(comment_id)
    round_ = comment.round
    if not services.can_manage(current_user, round_):
        abort(403)
    form = _settle_form(comment)
    if request.method == "GET" and comment.settlement is not None:
        form.outcome.data, form.reason.data = comment.settlement.outcome, comment.settlement.reason
    if form.validate_on_submit():
        try:
            services.settle(
                comment,
                form.outcome.data,
                form.reason.data,
                actor=current_user,
                seen_version=form.version.data,
            )
            db.session.commit()
        except (*STALE_ERRORS, IntegrityError):
            stored = forms_kit.conflict(
                form,
                lambda: (services.settlement_version(comment), _settle_form(comment, formdata=False)),
                first=("outcome", "reason"),
            )
            return render_template(
                "rounds/settle.html",
                round=round_,
                comment=comment,
                form=form,
                conflict=stored,
                citation=reads.citation,
                **_labels(),
            ), 409
        except RoundError as error:
            forms_kit.refused(form, error)
        else:
            flash(_("The comment has been settled."), "success")
            return redirect(_next_to_settle(round_, comment))
    return render_template(
        "rounds/settle.html", round=round_, comment=comment, form=form, citation=reads.citation, **_labels()
    )


def _next_to_settle(round_: CommentRound, comment: Comment) -> str:
    """The next unsettled comment (so a coordinator goes through the round), else the round."""
    following = reads.next_unsettled(round_, comment)
    if following is not None:
        return url_for("rounds.settle", comment_id=following.id)
    return url_for("rounds.show", round_id=round_.id)


@bp.route("/comments/<int:comment_id>/resolve", methods=["GET", "POST"])
@members
def resolve(comment_id: int):
    comment = _comment(comment_id)
    round_ = comment.round
    if not services.can_manage(current_user, round_):
        abort(403)
    if comment.settlement is None:
        abort(404)
    form = ResolveForm(obj=comment.settlement if request.method == "GET" else None)
    if request.method == "GET":
        form.note.data = comment.settlement.resolution_note
    if form.validate_on_submit():
        try:
            services.resolve_dispute(
                comment,
                form.resolution.data,
                form.note.data,
                actor=current_user,
                seen_version=form.version.data,
            )
            db.session.commit()
        except STALE_ERRORS:
            stored = forms_kit.conflict(
                form,
                lambda: (
                    comment.settlement.version,
                    ResolveForm(
                        formdata=None, obj=comment.settlement, note=comment.settlement.resolution_note
                    ),
                ),
            )
            return render_template(
                "rounds/resolve.html",
                round=round_,
                comment=comment,
                form=form,
                conflict=stored,
                citation=reads.citation,
                **_labels(),
            ), 409
        except RoundError as error:
            forms_kit.refused(form, error)
        else:
            flash(_("The resolution of the dispute has been recorded."), "success")
            return redirect(url_for("rounds.show", round_id=round_.id, _anchor=f"c-{comment.id}"))
    return render_template(
        "rounds/resolve.html", round=round_, comment=comment, form=form, citation=reads.citation, **_labels()
    )


@bp.route("/rounds/<int:round_id>/outcomes-mail", methods=["GET", "POST"])
@members
def notify_outcomes(round_id: int):
    round_ = _managed(round_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            count = send_outcomes(round_, actor=current_user)
        except RoundError as error:
            forms_kit.refused(None, error)
        else:
            db.session.commit()
            flash(_("The outcome has been e-mailed to %(count)s authors.", count=count), "success")
        return redirect(url_for("rounds.show", round_id=round_.id))
    return render_template(
        "rounds/notify.html",
        round=round_,
        form=form,
        progress=reads.progress(round_),
        authors=len(reads.authors_outcomes(round_)),
        state=services.state(round_),
    )


@bp.get("/rounds/<int:round_id>/settlement.<fmt>")
@signed_in
def download(round_id: int, fmt: str):
    """The settlement table as DOCX, PDF, CSV or XLSX (participants and managers, after the close)."""
    round_ = _visible(round_id)
    if fmt not in export.FORMATS:
        abort(404)
    if (
        not services.can_manage(current_user, round_)
        and services.state(round_, clock.now()) != services.CLOSED
    ):
        abort(403)
    return exports.deliver(export.BUILDER, {"round_id": round_.id}, filename=export.filename(round_, fmt))


# ---- the territory's outcomes ------------------------------------------------------------------------


@bp.route("/rounds/outcomes", methods=["GET", "POST"])
@coordinators
def outcomes():
    territory_id = current_user.territory_id
    if not services.may_configure_outcomes(current_user, territory_id):
        abort(404)
    form = OutcomeForm()
    if form.validate_on_submit():
        if replay := forms_kit.replay(form, url_for("rounds.outcomes")):
            return replay
        try:
            services.add_outcome(territory_id, form.label.data, bool(form.accepted.data), actor=current_user)
        except RoundError as error:
            forms_kit.refused(form, error)
        else:
            forms_kit.fulfil(form, url_for("rounds.outcomes"))
            db.session.commit()
            flash(_("The outcome has been added."), "success")
            return redirect(url_for("rounds.outcomes"))
    return render_template(
        "rounds/outcomes.html",
        form=form,
        rows=services.outcome_list(territory_id),
        confirm_form=ConfirmForm(),
    )


@bp.post("/rounds/outcomes/<code>/toggle")
@coordinators
def toggle_outcome(code: str):
    territory_id = current_user.territory_id
    if not services.may_configure_outcomes(current_user, territory_id):
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            services.set_outcome_active(territory_id, code, active, actor=current_user)
        except RoundError as error:
            forms_kit.refused(None, error)
        else:
            db.session.commit()
            flash(
                _("The outcome is offered again.") if active else _("The outcome is no longer offered."),
                "success",
            )
    return redirect(url_for("rounds.outcomes"))


# ---- the meeting agenda ------------------------------------------------------------------------------


@bp.route("/rounds/<int:round_id>/agenda", methods=["GET", "POST"])
@members
def agenda(round_id: int):
    """Put the round on the agenda of a planned meeting of the document's group."""
    from portal.models.meetings import Meeting

    round_ = _managed(round_id)
    meetings = services.agenda_meetings(round_)
    form = AgendaForm()
    form.meeting_id.choices = [(m.id, f"{m.title} ({meeting_when(m, 'medium')})") for m in meetings]
    if form.validate_on_submit():
        meeting = db.session.get(Meeting, form.meeting_id.data)
        try:
            services.put_on_agenda(round_, meeting, actor=current_user)
        except RoundError as error:
            forms_kit.refused(form, error)
        else:
            db.session.commit()
            flash(_("The round is on the agenda of “%(meeting)s”.", meeting=meeting.title), "success")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    return render_template("rounds/agenda.html", round=round_, form=form, meetings=meetings)
