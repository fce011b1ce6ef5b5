"""Forms of the coordinators' side of consultations: the consultation, a question, deleting."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional, ValidationError
from wtforms.widgets import HiddenInput

from portal.blueprints.auth.forms import strip
from portal.consultations import services as rules
from portal.forms_kit import MaxLength, OnceField, VersionField

DATETIME_MESSAGE = _l("Enter a date and time.")
NAMED, ANONYMOUS = "named", "anonymous"


def _optional_id(value):
    """A select's value as an id; the empty choice ("none") as None."""
    if value in (None, "", "0", 0):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not a choice: the select refuses it


class ConsultationForm(FlaskForm):
    title = StringField(
        _l("Title"), filters=[strip],
        validators=[InputRequired(_l("Give the consultation a title.")), MaxLength(rules.TITLE_MAX)],
    )
    introduction = TextAreaField(
        _l("Introduction for participants"), filters=[strip],
        description=_l("Plain language: what the consultation is about and what happens with the answers. "
                       "Separate paragraphs with an empty line."),
        validators=[Optional(), MaxLength(rules.INTRODUCTION_MAX)],
    )
    opens_local = DateTimeLocalField(
        _l("Opens (Prague time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(DATETIME_MESSAGE)]
    )
    closes_local = DateTimeLocalField(
        _l("Closes (Prague time)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(DATETIME_MESSAGE)]
    )
    audience = RadioField(
        _l("Who may take part"), choices=list(rules.AUDIENCE_LABELS.items()),
        default="invited", validators=[InputRequired(_l("Choose who may take part."))],
    )
    results = RadioField(
        _l("Results"),
        choices=[(NAMED, _l("Named: the coordinators see who answered")),
                 (ANONYMOUS, _l("Anonymous: nobody, not even the coordinators, can tell who answered"))],
        default=NAMED, validators=[InputRequired(_l("Choose named or anonymous results."))],
    )
    allow_without_account = BooleanField(
        _l("People without an account may answer (anonymous results only; one answer per browser)")
    )
    document_version_id = SelectField(_l("Document it concerns (optional)"), coerce=_optional_id,
                                      validate_choice=True)
    proposal_id = SelectField(_l("Proposal it concerns (optional)"), coerce=_optional_id,
                              validate_choice=True)
    version = VersionField()
    once = OnceField()

    def validate_closes_local(self, field) -> None:
        """Said together with the form's other mistakes, not only after they are put right (the service
        checks it again, on the stored opening time)."""
        if self.opens_local.data and field.data and field.data <= self.opens_local.data:
            raise ValidationError(_l("The consultation must close after it opens."))


class QuestionForm(FlaskForm):
    kind = RadioField(
        _l("Kind of question"), choices=list(rules.KIND_LABELS.items()),
        validators=[InputRequired(_l("Choose the kind of question."))],
    )
    text = StringField(
        _l("Question"), filters=[strip],
        validators=[InputRequired(_l("Write the question.")), MaxLength(rules.QUESTION_MAX)],
    )
    help = StringField(
        _l("Hint under the question (optional)"), filters=[strip],
        validators=[Optional(), MaxLength(rules.HELP_MAX)],
    )
    options = TextAreaField(
        _l("Options (one per line)"),
        description=_l("Single and multiple choice: 2 to 20 options, each on its own line. Leave empty for "
                       "a scale or free-text question."),
        validators=[Optional()],
    )
    required = BooleanField(_l("An answer is required"))
    version = VersionField()
    once = OnceField()


class DeleteConsultationForm(FlaskForm):
    # The number of answers the person was shown on the confirmation page.
    answers = IntegerField(widget=HiddenInput(), default=0, validators=[Optional()])
    understood = BooleanField(_l("I understand that the answers will be deleted too and cannot be restored"))

