from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from flask import Blueprint, current_app
from flask_babel import get_locale

# No url_prefix: a group's meetings live under /groups/<id>/meetings, a meeting under /meetings/<id>.
bp = Blueprint("meetings", __name__)


def today():
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def meeting_when(meeting, fmt: str = "full") -> str:
    """"úterý 17. února 2026 14:00–16:00" in the meeting's own time zone (named when not Prague's)."""
    from portal.meetings.services import DEFAULT_TIMEZONE, local_time

    locale = str(get_locale())
    starts = local_time(meeting.starts_at, meeting.timezone)
    ends = local_time(meeting.ends_at, meeting.timezone)
    text = f"{format_date(starts, fmt, locale=locale)} {format_time(starts, 'short', locale=locale)}–"
    if ends.date() != starts.date():
        text += f"{format_date(ends, 'medium', locale=locale)} "
    text += format_time(ends, "short", locale=locale)
    if meeting.timezone != DEFAULT_TIMEZONE:
        text += f" ({meeting.timezone})"
    return text


def meetings_summary(group) -> dict:
    """What the group page's meetings box needs: the cadence report, warnings, the next visible meetings."""
    from flask_login import current_user

    from portal.extensions import db
    from portal.meetings import cadence, services
    from portal.models.base import utcnow
    from portal.models.meetings import Meeting, MeetingStatus

    on = today()
    report = cadence.group_cadence(group, on)
    upcoming = db.session.scalars(
        services.meetings_of(group)
        .where(Meeting.starts_at >= utcnow(), Meeting.status == MeetingStatus.PLANNED)
        .order_by(Meeting.starts_at).limit(20)
    ).all()
    visible = [m for m in upcoming if services.can_see(current_user, m, on)][:3]
    return {
        "report": report,
        "warnings": cadence.warnings(report),
        "upcoming": visible,
        "manages": services.groups.is_group_coordinator(current_user, group, on),
    }


def init_app(app) -> None:
    app.jinja_env.globals["meetings_summary"] = meetings_summary
    app.jinja_env.globals["meeting_when"] = meeting_when


from portal.blueprints.meetings import routes  # noqa: E402,F401
