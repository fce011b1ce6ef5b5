from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.blueprints.auth.forms import strip
from portal.models import Role

ROLE_LABELS = {
    Role.ADMIN.value: _l("Administrator"),
    Role.COORDINATOR.value: _l("Coordinator"),
    Role.MEMBER.value: _l("Member"),
    Role.PARENT.value: _l("Parent"),
    Role.GUEST.value: _l("Guest"),
}


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)], filters=[strip])
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), validators=[DataRequired()])
    locale = SelectField(_l("Language of the invitation"), choices=[("cs", "Čeština"), ("en", "English")])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[(k, v) for k, v in ROLE_LABELS.items()])
