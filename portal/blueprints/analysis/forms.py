from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from portal.analysis import DEFAULT_MAX_BYTES
from portal.analysis_portal.services import ALLOWED_EXTENSIONS
from portal.forms_kit import MaxLength, VersionField


class UploadForm(FlaskForm):
    files = MultipleFileField(
        _l("Data files"),
        description=_l("Either schools.csv (and optionally classes.csv), or one XLSX workbook with the "
                       "sheets “schools” and “classes”. At most 10 MB per file."),
        render_kw={"accept": ".csv,.xlsx"},
    )

    def validate_files(self, field) -> None:
        files = [f for f in (field.data or []) if getattr(f, "filename", "")]
        if not files:
            raise ValidationError(_l("Choose at least one file."))
        if len(files) > 2:
            raise ValidationError(_l("Upload at most two files (schools and classes)."))
        for f in files:
            name = f.filename.lower()
            if not name.endswith(ALLOWED_EXTENSIONS):
                raise ValidationError(_l("Only CSV and XLSX files can be imported."))
            head = f.stream.read(4)
            f.stream.seek(0, 2)
            size = f.stream.tell()
            f.stream.seek(0)
            if size > DEFAULT_MAX_BYTES:
                raise ValidationError(_l("A file is larger than 10 MB."))
            if name.endswith(".xlsx") and head != b"PK\x03\x04":
                raise ValidationError(_l("The XLSX file is not an Excel workbook."))


class ConfirmImportForm(FlaskForm):
    replace = BooleanField(_l("Yes, replace the stored data of the school years named above"))


class CancelForm(FlaskForm):
    pass


class StateForm(FlaskForm):
    # The flag's version when the page was shown (portal.versioning).
    version = VersionField()
    state = SelectField(_l("New state"), validators=[DataRequired()])
    link_id = SelectField(_l("Where it was handled"), coerce=int, validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[MaxLength(4000)],
                         description=_l("Required when closing or reopening a flag."))


class AgendaForm(FlaskForm):
    meeting_id = SelectField(_l("Meeting"), coerce=int, validators=[DataRequired()])
