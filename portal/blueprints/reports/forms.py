from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Optional

from portal.forms_kit import MaxLength, OnceField, VersionField
from portal.models.reports import ReportVisibility
from portal.reports.keeping import TEXT_LIMIT

LANGUAGE_CHOICES = [("cs", _l("Czech")), ("en", _l("English"))]


class RangeForm(FlaskForm):
    """Any period (a GET form: it only chooses what the page shows)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[InputRequired(_l("Enter the first day of the period."))])
    end = DateField(_l("To (included)"), validators=[InputRequired(_l("Enter the last day of the period."))])


class DraftForm(FlaskForm):
    foreword = TextAreaField(_l("Foreword"), validators=[Optional(), MaxLength(TEXT_LIMIT)],
                             description=_l("Opens the report: what the year was about, in the coordinator's "
                                            "words."))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), MaxLength(TEXT_LIMIT)],
                          description=_l("Close the report: remarks, thanks, plans for the next year."))
    version = VersionField()


class GenerateForm(FlaskForm):
    language = RadioField(_l("Language of the report"), choices=LANGUAGE_CHOICES, default="cs",
                          validators=[InputRequired(_l("Choose the language of the report."))])
    once = OnceField()


class PublishForm(FlaskForm):
    visibility = RadioField(
        _l("Publish to"),
        choices=[
            (ReportVisibility.MEMBERS.value, _l("the group's members")),
            (ReportVisibility.PUBLIC.value, _l("everyone: members, parents and visitors of the portal")),
        ],
        validators=[InputRequired(_l("Choose to whom the report is published."))])
    version = VersionField()


class UnpublishForm(FlaskForm):
    version = VersionField()
