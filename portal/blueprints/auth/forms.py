from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from portal.accounts.passwords import MIN_LENGTH


def strip(value):
    return value.strip() if isinstance(value, str) else value


def new_password_fields():
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(min=MIN_LENGTH, max=200, message=_l("Use at least %(n)s characters.", n=MIN_LENGTH)),
        ],
        description=_l("At least %(n)s characters.", n=MIN_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    return password, confirm


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip])


class ResetPasswordForm(FlaskForm):
    password, confirm = new_password_fields()


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    password, confirm = new_password_fields()


class RequestLinkForm(FlaskForm):
    email = EmailField(
        _l("Your e-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip],
        description=_l("We will send you a link. Open it on this device within 30 minutes to sign in. No "
                       "password is needed."),
    )


class LinkSignInForm(FlaskForm):
    """Only the button: a mail scanner that opens the link (GET) does not use it up."""
