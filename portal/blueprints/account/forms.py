from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.blueprints.auth.forms import new_password_fields

LANGUAGE_CHOICES = [("cs", "Čeština"), ("en", "English")]


class ProfileForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    share_contact = BooleanField(
        _l("Show my e-mail to the other members of my working groups"),
        description=_l("Off by default. The coordinators of your groups always see your e-mail so that they "
                       "can invite you; with this box ticked, the other members and parents of your groups "
                       "see it in the member list too. Visitors who are not signed in never see it. You can "
                       "change your mind here at any time."),
    )


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    password, confirm = new_password_fields()

