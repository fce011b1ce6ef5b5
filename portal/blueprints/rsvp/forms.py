from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.blueprints.auth.forms import strip
from portal.groups.balance import CATEGORY_LABELS
from portal.meetings.invitations import ANSWER_LABELS

CATEGORY_CHOICES = [("", _l("— none —"))] + list(CATEGORY_LABELS.items())


class GuestForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)], filters=[strip])
    category = SelectField(_l("Category"), choices=CATEGORY_CHOICES, validators=[Optional()])


class ReplyForm(FlaskForm):
    answer = SelectField(_l("Will you attend?"), choices=list(ANSWER_LABELS.items()),
                         validators=[DataRequired()])
