from babel.dates import format_date, format_time
from flask import Blueprint
from flask_babel import get_locale

# No url_prefix: a group's meetings live under /groups/<id>/meetings, a meeting under /meetings/<id>.
bp = Blueprint("meetings", __name__)


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


def init_app(app) -> None:
    app.jinja_env.globals["meeting_when"] = meeting_when


from portal.blueprints.meetings import routes  # noqa: E402,F401
