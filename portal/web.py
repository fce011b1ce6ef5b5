"""The small web kit the blueprints share: finding an object the current user may see or manage (404 for
what they may not know exists, 403 for what they see but may not change), and "commit, or roll back and
tell the user why".

Forms live in `portal.forms_kit`; dates in `portal.clock`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort, flash
from flask_login import current_user

from portal.clock import today
from portal.extensions import db
from portal.groups import services as groups
from portal.meetings import services as meetings
from portal.models import WorkingGroup
from portal.models.meetings import Meeting

T = TypeVar("T")


def visible_group(group_id: int) -> tuple[WorkingGroup, groups.Viewer]:
    """The group and how the current user sees it; 404 when it is missing or they may not see it (a
    non-public group does not reveal that it exists)."""
    group = db.get_or_404(WorkingGroup, group_id)
    viewer = groups.viewer_of(current_user, group, today())
    if viewer is None:
        abort(404)
    return group, viewer


def managed_group(group_id: int) -> WorkingGroup:
    """The group, when the current user may manage it; those who may see it learn they may not manage it
    (403), the others learn nothing (404)."""
    group = db.get_or_404(WorkingGroup, group_id)
    if not groups.is_group_coordinator(current_user, group, today()):
        abort(403 if groups.viewer_of(current_user, group, today()) is not None else 404)
    return group


def visible_meeting(meeting_id: int) -> Meeting:
    """The meeting, when the current user may know it exists; else 404, as for a missing one."""
    meeting = db.get_or_404(Meeting, meeting_id)
    if not meetings.can_see(current_user, meeting, today()):
        abort(404)
    return meeting


def managed_meeting(meeting_id: int) -> Meeting:
    """The meeting, when the current user may manage it (403 for those who see it, else 404)."""
    meeting = db.get_or_404(Meeting, meeting_id)
    if not meetings.can_manage(current_user, meeting, today()):
        abort(403 if meetings.can_see(current_user, meeting, today()) else 404)
    return meeting


def commit_or_explain(action: Callable[[], T], refused: type[Exception] | tuple[type[Exception], ...], *,
                      done: str | Callable[[T], str] | None = None,
                      before_commit: Callable[[T], None] | None = None) -> bool:
    """Run a service call and commit; when the service refuses (an exception of the `refused` types,
    carrying a translated message), roll back and flash why. `before_commit` joins the same transaction
    (e.g. `forms_kit.fulfil`); `done` is flashed after the commit (a callable gets the action's result,
    e.g. a count). True when saved."""
    try:
        result = action()
    except refused as error:
        db.session.rollback()
        flash(str(error), "error")
        return False
    if before_commit is not None:
        before_commit(result)
    db.session.commit()
    if done is not None:
        flash(done(result) if callable(done) else done, "success")
    return True
