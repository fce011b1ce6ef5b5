from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.blueprints.auth.forms import new_password_fields

LANGUAGE_CHOICES = [("cs", "Čeština"), ("en", "English")]


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password, confirm = new_password_fields()
