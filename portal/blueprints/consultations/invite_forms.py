"""The bulk invitation form (c1's part of the consultations blueprint)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from portal.forms_kit import MaxLength, OnceField

# 500 addresses of up to 254 characters with a name each fit comfortably.
LIST_MAX_CHARS = 200_000


class InviteForm(FlaskForm):
    addresses = TextAreaField(
        _l("E-mail addresses"),
        validators=[DataRequired(message=_l("Paste at least one e-mail address.")),
                    MaxLength(LIST_MAX_CHARS)],
        description=_l("One per line, or separated by commas or semicolons. “Jana Nováková "
                       "<jana@example.cz>” works too. At most 500 addresses at a time."),
    )
    once = OnceField()
