"""iCalendar feeds and downloads, and the user's calendar subscriptions page.

Access: feeds of groups and single meetings are `public`, with visibility on top (anonymous clients get the
public meetings of public groups; members and managers of the group get all its meetings; a member-only
meeting's .ics is 404 for others). The private feed is a `token_link`: its secret is the only credential,
so an unknown or reset secret answers 404.
"""

from __future__ import annotations

from io import BytesIO

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.http import is_resource_modified

from portal import web
from portal.analysis_portal.visibility import analysis_scope, hidden_agenda_items
from portal.blueprints.calendar import bp
from portal.calendar.feeds import Feed, Fingerprint, bench_mode, feed_body, fingerprint, group_state
from portal.calendar.ical import calendar_for
from portal.calendar.private import ensure_calendar_secret, reset_calendar_secret
from portal.clock import today
from portal.extensions import db
from portal.forms_kit import ConfirmForm
from portal.groups import services as groups
from portal.models import User
from portal.security import public, signed_in, token_link

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _ics(body: bytes, filename: str, *, attachment: bool) -> Response:
    """An iCalendar body through `send_file` (the file name encoded for every browser, RFC 5987)."""
    return send_file(BytesIO(body), mimetype="text/calendar", as_attachment=attachment,
                     download_name=filename, etag=False, conditional=False)


def _feed_response(feed: Feed, print_: Fingerprint, *, filename: str, cache_control: str) -> Response:
    # werkzeug decides before anything is rendered: If-None-Match (weak comparison) wins over
    # If-Modified-Since (RFC 9110 13.2.2), so a client with a fresh copy costs one cheap query.
    if not is_resource_modified(request.environ, etag=print_.etag, last_modified=print_.last_modified):
        response = Response(status=304)
    else:
        cold = bench_mode() and request.args.get("nocache") == "1"
        response = _ics(feed_body(feed, print_, use_cache=not cold), filename, attachment=False)
    response.set_etag(print_.etag)
    if print_.last_modified is not None:
        response.last_modified = print_.last_modified
    response.headers["Cache-Control"] = cache_control
    return response


@bp.get("/calendar/groups/<int:group_id>.ics")
@public
def group_feed(group_id: int):
    if current_user.is_authenticated:
        _group, viewer = web.visible_group(group_id)
        scope = "all" if viewer.sees_full_directory else "public"
    else:
        scope = "public"  # calendar apps: one query answers a conditional request
    state = group_state(group_id, include_private=scope == "all")
    if state is None or (scope == "public" and not state.public):
        abort(404)  # a non-public group does not reveal that it exists
    feed = Feed(identity=("group", group_id), scope=scope, name=state.name, locale=str(get_locale()),
                group_ids=(group_id,), analysis=analysis_scope(current_user))
    return _feed_response(feed, fingerprint(feed, count=state.count, latest=state.latest),
                          filename=f"group-{group_id}.ics",
                          # A copy with the analysis in it must never sit in a shared cache.
                          cache_control="public, max-age=300" if scope == "public" and not feed.analysis
                          else "private, no-cache")


@bp.get("/calendar/private/<secret>.ics")
@token_link
def user_feed(secret: str):
    user = None
    if len(secret) <= 64:
        user = db.session.scalar(select(User).where(User.calendar_secret == secret))
    if user is None or not user.active:
        abort(404)
    mine = groups.user_groups(user, today())
    locale = user.locale if user.locale in current_app.config["LANGUAGES"] else "cs"
    with force_locale(locale):
        name = _("My meetings (%(name)s)", name=user.name)
    feed = Feed(identity=("user", user.id), scope="all", name=name, locale=locale,
                group_ids=tuple(sorted(g.id for g in mine)), extra=tuple(g.name for g in mine),
                analysis=analysis_scope(user))
    return _feed_response(feed, fingerprint(feed), filename="meetings.ics",
                          cache_control="private, max-age=300")


@bp.get("/meetings/<int:meeting_id>.ics")
@public
def meeting_ics(meeting_id: int):
    meeting = web.visible_meeting(meeting_id)  # a member-only meeting does not reveal that it exists
    body = calendar_for([meeting], name=meeting.group.name, method="PUBLISH",
                        hidden=hidden_agenda_items([meeting], current_user))
    response = _ics(body, f"meeting-{meeting.id}.ics", attachment=True)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)


@bp.get("/account/calendar")
@signed_in
def subscriptions():
    secret = current_user.calendar_secret
    if not secret:
        secret = ensure_calendar_secret(current_user)
        db.session.commit()
    private_url = _absolute("calendar.user_feed", secret=secret)
    group_feeds = [(g, _absolute("calendar.group_feed", group_id=g.id))
                   for g in groups.user_groups(current_user, today())]
    return render_template("calendar/subscriptions.html", private_url=private_url, group_feeds=group_feeds)


@bp.route("/account/calendar/reset", methods=["GET", "POST"])
@signed_in
def reset_secret():
    form = ConfirmForm()
    if form.validate_on_submit():
        reset_calendar_secret(current_user, actor=current_user)
        db.session.commit()
        flash(_("Your private calendar address has been changed. Subscribe again with the new one; "
                "the old address no longer works."), "success")
        return redirect(url_for("calendar.subscriptions"))
    return render_template("calendar/reset.html", form=form)
