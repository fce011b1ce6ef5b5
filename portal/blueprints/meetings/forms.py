from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.blueprints.auth.forms import strip
from portal.forms_kit import MaxLength, OnceField, VersionField
from portal.groups.balance import CATEGORY_LABELS
from portal.meetings import minutes
from portal.meetings import services as rules
from portal.meetings.reads import STATUS_LABELS  # noqa: F401 (the routes and templates take it from here)
from portal.meetings.series import LAST
from portal.meetings.services import DEFAULT_TIMEZONE
from portal.models.meetings import MeetingKind, MeetingStatus

KIND_LABELS = {
    MeetingKind.REGULAR.value: _l("regular meeting"),
    MeetingKind.JOINT.value: _l("joint meeting with other groups"),
    MeetingKind.SUBGROUP.value: _l("sub-group meeting"),
}


WEEKDAYS = [(0, _l("Monday")), (1, _l("Tuesday")), (2, _l("Wednesday")), (3, _l("Thursday")),
            (4, _l("Friday")), (5, _l("Saturday")), (6, _l("Sunday"))]
NTH = [(1, _l("first")), (2, _l("second")), (3, _l("third")), (4, _l("fourth")), (LAST, _l("last"))]
MONTHS = [(1, _l("January")), (2, _l("February")), (3, _l("March")), (4, _l("April")), (5, _l("May")),
          (6, _l("June")), (7, _l("July")), (8, _l("August")), (9, _l("September")), (10, _l("October")),
          (11, _l("November")), (12, _l("December"))]
CATEGORY_CHOICES = [("", _l("— none —"))] + list(CATEGORY_LABELS.items())
DATETIME_MESSAGE = _l("Enter a date and time.")


class CheckboxListField(SelectMultipleField):
    """Several choices as a list of checkboxes (readable and usable without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# Europe/Prague first (nearly every meeting), then every IANA zone this system knows, by name.
TIMEZONES = [DEFAULT_TIMEZONE] + sorted(
    zone for zone in available_timezones() if "/" in zone and not zone.startswith(("Etc/", "SystemV/"))
    and zone != DEFAULT_TIMEZONE
)


def timezone_choices(current: str | None = None) -> list[tuple[str, str]]:
    """The zones offered, keeping a stored zone that is no longer in the list (e.g. an old alias)."""
    zones = TIMEZONES if not current or current in TIMEZONES else [current] + TIMEZONES
    return [(zone, zone.replace("_", " ")) for zone in zones]


class _PlaceFields:
    timezone = SelectField(_l("Time zone"), default=DEFAULT_TIMEZONE, choices=timezone_choices(),
                           description=_l("Times are entered in this zone."))
    place = StringField(_l("Place"), validators=[Optional(), MaxLength(rules.PLACE_MAX)], filters=[strip],
                        description=_l("Address and room. A place, an online link or both are needed."))
    online_url = StringField(_l("Online link"), validators=[Optional(), MaxLength(rules.URL_MAX)],
                             filters=[strip],
                             description=_l("For an online or hybrid meeting: https://…"))
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()), default=MeetingKind.REGULAR.value)
    joint_group_ids = CheckboxListField(_l("Other participating groups (joint meeting)"), coerce=int,
                                        validate_choice=False)
    public = BooleanField(_l("Public meeting (anyone can see its page; otherwise members only)"),
                          default=True)


class MeetingForm(_PlaceFields, FlaskForm):
    """New meeting (with `once`, without `version`) and edit (the reverse): the routes drop the other one."""

    once = OnceField()
    version = VersionField()
    title = StringField(_l("Title"), filters=[strip],
                        validators=[DataRequired(message=_l("Enter the meeting's title.")),
                                    MaxLength(rules.TITLE_MAX)])
    starts_local = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M",
                                      validators=[InputRequired(message=DATETIME_MESSAGE)])
    ends_local = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M",
                                    validators=[InputRequired(message=DATETIME_MESSAGE)])
    status = RadioField(_l("The meeting is"), default=MeetingStatus.PLANNED.value, choices=[
        (MeetingStatus.PLANNED.value, _l("planned (in the future)")),
        (MeetingStatus.HELD.value, _l("already held (recording a past meeting)")),
    ])
    description = TextAreaField(_l("Description"), validators=[Optional(), MaxLength(rules.DESCRIPTION_MAX)])


class SeriesForm(_PlaceFields, FlaskForm):
    once = OnceField()
    title = StringField(_l("Title of every meeting"), filters=[strip],
                        validators=[DataRequired(message=_l("Enter the meeting's title.")),
                                    MaxLength(rules.TITLE_MAX)])
    nth = SelectField(_l("Which"), coerce=int, choices=NTH, default=3)
    weekday = SelectField(_l("Day of the week"), coerce=int, choices=WEEKDAYS, default=1)
    months = CheckboxListField(_l("Months"), coerce=int, choices=MONTHS, default=[2, 5, 9, 11])
    year = IntegerField(_l("Year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    start = TimeField(_l("Starts at"), validators=[InputRequired(message=_l("Enter a time as HH:MM."))])
    duration_minutes = IntegerField(_l("Duration (minutes)"), default=120,
                                    validators=[InputRequired(), NumberRange(min=15, max=720)])
    description = TextAreaField(_l("Description"), validators=[Optional(), MaxLength(rules.DESCRIPTION_MAX)])


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason for the cancellation"), filters=[strip],
                           validators=[DataRequired(message=_l("Give the reason for the cancellation.")),
                                       MaxLength(2000)],
                           description=_l("The invited people will see it."))


class AgendaItemForm(FlaskForm):
    """A new agenda item (with `once`) and an edit (with `version`): the routes drop the other one."""

    once = OnceField()
    version = VersionField()
    title = StringField(_l("Agenda item"), filters=[strip],
                        validators=[DataRequired(message=_l("Enter the agenda item.")),
                                    MaxLength(rules.AGENDA_TITLE_MAX)])
    presenter = StringField(_l("Presenter"), validators=[Optional(), MaxLength(rules.PRESENTER_MAX)],
                            filters=[strip])
    duration_minutes = IntegerField(_l("Duration (minutes)"),
                                    validators=[Optional(), NumberRange(min=1, max=600)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), MaxLength(rules.NOTES_MAX)])


class GuestForm(FlaskForm):
    once = OnceField()
    name = StringField(_l("Name"), filters=[strip],
                       validators=[DataRequired(message=_l("Enter the guest's name.")), MaxLength(200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), MaxLength(200)], filters=[strip])
    category = SelectField(_l("Category"), choices=CATEGORY_CHOICES, default="")


class MinutesForm(FlaskForm):
    # The text version the editor started from (0 before the first save).
    version = VersionField()
    body = TextAreaField(_l("Minutes"), validators=[MaxLength(minutes.MAX_BODY)],
                         description=_l("Markdown: # heading, **bold**, - list item, [link](https://…)."))


class ApproveForm(FlaskForm):
    # The text version the approver read.
    version = VersionField()


class ResolutionForm(FlaskForm):
    once = OnceField()
    text = TextAreaField(_l("Resolution"), filters=[strip],
                         validators=[DataRequired(message=_l("Enter the text of the resolution.")),
                                     MaxLength(minutes.RESOLUTION_MAX)])


class TaskForm(FlaskForm):
    once = OnceField()
    title = StringField(_l("Task"), filters=[strip],
                        validators=[DataRequired(message=_l("Enter what is to be done.")),
                                    MaxLength(minutes.TASK_TITLE_MAX)])
    owner_id = SelectField(_l("Owner"), coerce=int, default=0, validate_choice=False)
    owner_name = StringField(_l("Owner (if not in the list)"),
                             validators=[Optional(), MaxLength(minutes.OWNER_NAME_MAX)], filters=[strip])
    due_on = DateField(_l("Due"), validators=[Optional()])
