"""Forms of the documents area: every text states its limit, creation forms carry a one-time token, edit
forms the version the user saw."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from portal.documents.services import CHANGE_NOTE_MAX, DESCRIPTION_MAX, MARKDOWN_MAX, TITLE_MAX
from portal.forms_kit import MaxLength, OnceField, VersionField
from portal.models.documents import DocumentKind, VersionState

KIND_LABELS = {
    DocumentKind.ANALYTICAL.value: _l("Analytical part"),
    DocumentKind.STRATEGIC_FRAMEWORK.value: _l("MAP strategic framework"),
    DocumentKind.ACTION_PLAN.value: _l("(Annual) action plan"),
    DocumentKind.SCHOOL_CODE.value: _l("School code"),
    DocumentKind.INVESTMENT_PRIORITIES.value: _l("Investment priorities"),
    DocumentKind.OTHER.value: _l("Other document"),
}
STATE_LABELS = {
    VersionState.DRAFT.value: _l("Draft"),
    VersionState.IN_ROUND.value: _l("In a comment round"),
    VersionState.SETTLED.value: _l("Comments settled"),
    VersionState.APPROVED.value: _l("Approved by the steering committee"),
}


class DocumentForm(FlaskForm):
    once = OnceField()
    version = VersionField()
    group_id = SelectField(_l("Owner group"), coerce=int, validators=[InputRequired()])
    kind = SelectField(_l("Kind of document"), choices=list(KIND_LABELS.items()), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), MaxLength(TITLE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Optional(), MaxLength(DESCRIPTION_MAX)])


class UploadForm(FlaskForm):
    once = OnceField()
    file = FileField(_l("File"), description=_l("DOCX, PDF or Markdown, at most 20 MB. The type is "
                                                "recognised by the content of the file."),
                     render_kw={"accept": ".docx,.pdf,.md,.markdown,.txt"})
    change_note = TextAreaField(_l("Change note"), validators=[Optional(), MaxLength(CHANGE_NOTE_MAX)],
                                description=_l("What changed against the previous version."))

    def validate_file(self, field) -> None:
        if not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choose a file."))


class WriteForm(FlaskForm):
    once = OnceField()
    markdown = TextAreaField(_l("Text (Markdown)"), validators=[DataRequired(), MaxLength(MARKDOWN_MAX)],
                             description=_l("Headings start with #, ## (chapter, subchapter); list items "
                                            "with - or 1.; paragraphs are separated by an empty line."))
    change_note = TextAreaField(_l("Change note"), validators=[Optional(), MaxLength(CHANGE_NOTE_MAX)])


class VersionForm(FlaskForm):
    version = VersionField()
    change_note = TextAreaField(_l("Change note"), validators=[Optional(), MaxLength(CHANGE_NOTE_MAX)])
    state = SelectField(_l("State"), choices=list(STATE_LABELS.items()), validators=[DataRequired()])
    approved_on = DateField(_l("Approved by the steering committee on"), validators=[Optional()],
                            description=_l("Required for the state “approved”."))


class DeleteForm(FlaskForm):
    """The confirmation of deleting a draft version: its CSRF token and the version seen."""

    version = VersionField()
