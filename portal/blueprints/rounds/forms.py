from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from portal.blueprints.auth.forms import strip
from portal.blueprints.meetings.forms import CheckboxListField
from portal.forms_kit import MaxLength, OnceField, VersionField
from portal.rounds import services as rules

DATETIME_MESSAGE = _l("Enter a date and time.")


class RoundForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[InputRequired(_l("Give the round a title.")), MaxLength(rules.TITLE_MAX)],
    )
    opens_local = DateTimeLocalField(
        _l("Opens (Prague time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(DATETIME_MESSAGE)]
    )
    closes_local = DateTimeLocalField(
        _l("Closes (Prague time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(DATETIME_MESSAGE)]
    )
    group_ids = CheckboxListField(_l("Groups whose members comment"), coerce=int, validators=[Optional()])
    public = BooleanField(
        _l("Public comment round: parents of the territory with an account may comment too")
    )
    comments_visible = BooleanField(
        _l("Participants see each other's comments while the round is open"), default=True
    )
    instructions = TextAreaField(
        _l("Instructions for participants"),
        filters=[strip],
        validators=[Optional(), MaxLength(rules.INSTRUCTIONS_MAX)],
    )
    version = VersionField()
    once = OnceField()


def kind_choices():
    return list(rules.KIND_LABELS.items())


class CommentForm(FlaskForm):
    paragraph = HiddenField(_l("Paragraph"), validators=[InputRequired(_l("Choose the paragraph."))])
    kind = RadioField(
        _l("Type of comment"),
        choices=kind_choices(),
        validators=[InputRequired(_l("Choose whether the comment is fundamental or a recommendation."))],
    )
    quote = TextAreaField(
        _l("Quoted passage (optional)"),
        filters=[strip],
        description=_l(
            "Copy the words you comment on from the paragraph; leave empty for the whole paragraph."
        ),
        validators=[Optional(), MaxLength(rules.QUOTE_MAX)],
    )
    text = TextAreaField(
        _l("Comment"),
        filters=[strip],
        validators=[InputRequired(_l("Write the comment.")), MaxLength(rules.TEXT_MAX)],
    )
    proposed_wording = TextAreaField(
        _l("Proposed wording (optional)"),
        filters=[strip],
        validators=[Optional(), MaxLength(rules.WORDING_MAX)],
    )
    organisation = StringField(
        _l("On behalf of (organisation)"),
        filters=[strip],
        validators=[Optional(), MaxLength(rules.ORGANISATION_MAX)],
    )
    version = VersionField()
    once = OnceField()


class ReplyForm(FlaskForm):
    text = TextAreaField(
        _l("Reply"),
        filters=[strip],
        validators=[InputRequired(_l("Write the comment.")), MaxLength(rules.TEXT_MAX)],
    )
    once = OnceField()


class SettleForm(FlaskForm):
    outcome = RadioField(_l("Outcome"), validators=[InputRequired(_l("Choose an outcome."))])
    reason = TextAreaField(
        _l("Reason"),
        filters=[strip],
        description=_l("Required unless the comment is accepted."),
        validators=[Optional(), MaxLength(rules.REASON_MAX)],
    )
    version = VersionField()


class ResolveForm(FlaskForm):
    resolution = RadioField(
        _l("How the dispute was resolved"),
        choices=list(rules.RESOLUTION_LABELS.items()),
        validators=[InputRequired(_l("Choose how the dispute was resolved."))],
    )
    note = TextAreaField(_l("Note"), filters=[strip], validators=[Optional(), MaxLength(rules.NOTE_MAX)])
    version = VersionField()


class OutcomeForm(FlaskForm):
    label = StringField(
        _l("Name of the outcome"),
        filters=[strip],
        validators=[InputRequired(_l("Name the outcome.")), MaxLength(rules.OUTCOME_LABEL_MAX)],
    )
    accepted = BooleanField(_l("Counts as accepted (no reason needed, never a dispute)"))
    once = OnceField()


class AgendaForm(FlaskForm):
    meeting_id = SelectField(_l("Meeting"), coerce=int, validators=[InputRequired(_l("Choose the meeting."))])
