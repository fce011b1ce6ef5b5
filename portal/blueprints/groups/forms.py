
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, NumberRange, Optional

from portal import clock
from portal.blueprints.auth.forms import strip
from portal.forms_kit import MaxLength, OnceField, VersionField
from portal.groups.balance import CATEGORY_LABELS, GROUP_ROLE_LABELS
from portal.models.groups import GroupKind

KIND_LABELS = {
    GroupKind.EQUAL_OPPORTUNITIES.value: _l("equal opportunities"),
    GroupKind.FINANCING.value: _l("financing"),
    GroupKind.OTHER.value: _l("other"),
}


CATEGORY_CHOICES = [("", _l("— choose —"))] + list(CATEGORY_LABELS.items())
ROLE_CHOICES = list(GROUP_ROLE_LABELS.items())
DATE_MESSAGE = _l("Enter a date as YYYY-MM-DD.")


class GroupForm(FlaskForm):
    """A new group (with `once`) and the settings of one (with `version`): the routes drop the other one."""

    once = OnceField()
    version = VersionField()
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the group's name.")),
                                               MaxLength(200)], filters=[strip])
    slug = StringField(_l("Address (slug)"), validators=[Optional(), MaxLength(80)], filters=[strip],
                       description=_l("Letters, digits and hyphens; left empty, it is made from the name."))
    kind = SelectField(_l("Kind"), choices=list(KIND_LABELS.items()))
    parent_id = SelectField(_l("Parent group (for a sub-group)"), coerce=int, default=0)
    purpose = TextAreaField(_l("Purpose"), validators=[Optional(), MaxLength(2000)])
    description = TextAreaField(_l("Public description"), validators=[Optional(), MaxLength(10000)],
                                description=_l("Shown on the group's public page. Separate paragraphs "
                                               "with an empty line."))
    public = BooleanField(_l("Anyone can see the group's page and member list"), default=True)
    meeting_target = IntegerField(_l("Meetings per year (target)"), default=4,
                                  validators=[InputRequired(), NumberRange(min=0, max=52)])
    min_per_category = IntegerField(_l("Minimum members in every category"), default=1,
                                    validators=[InputRequired(), NumberRange(min=0, max=50)])
    max_share_multiple = DecimalField(
        _l("Largest allowed share of one category (multiple of the equal share)"), default=2, places=2,
                                      validators=[InputRequired(), NumberRange(min=1, max=7)],
                                      description=_l("2 means: no category may have more than twice as many "
                                                     "members as it would have if all were equal."))
    required_support_parents = IntegerField(
        _l("Required parents of children with support needs"), default=1,
        validators=[InputRequired(), NumberRange(min=0, max=20)],
        description=_l("Counted from the parents' own voluntary declarations; 0 switches the rule off."))

    def data_for_service(self) -> dict:
        return {
            "name": self.name.data, "slug": self.slug.data, "kind": self.kind.data,
            "parent_id": self.parent_id.data or None, "purpose": self.purpose.data or None,
            "description": self.description.data or None, "public": bool(self.public.data),
            "meeting_target": self.meeting_target.data, "min_per_category": self.min_per_category.data,
            "max_share_multiple": float(self.max_share_multiple.data),
            "required_support_parents": self.required_support_parents.data,
        }


class AddMemberForm(FlaskForm):
    once = OnceField()
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), MaxLength(254)], filters=[strip],
                       description=_l("A person without an account gets an invitation by e-mail and becomes "
                                      "a member once they accept it."))
    name = StringField(_l("Name (for an invitation)"), validators=[Optional(), MaxLength(200)],
                       filters=[strip])
    category = SelectField(_l("Category"), choices=CATEGORY_CHOICES,
                           validators=[DataRequired(message=_l("Choose the member's category."))])
    organisation = StringField(_l("Organisation"), validators=[Optional(), MaxLength(200)], filters=[strip])
    role = SelectField(_l("Role in the group"), choices=ROLE_CHOICES, default="member")
    joined_on = DateField(_l("Member from"), default=clock.today,
                          validators=[DataRequired(message=DATE_MESSAGE)])
    locale = SelectField(_l("Language of the invitation"), choices=[("cs", "Čeština"), ("en", "English")])


class EditMemberForm(FlaskForm):
    version = VersionField()
    category = SelectField(_l("Category"), choices=CATEGORY_CHOICES,
                           validators=[DataRequired(message=_l("Choose the member's category."))])
    organisation = StringField(_l("Organisation"), validators=[Optional(), MaxLength(200)], filters=[strip])
    role = SelectField(_l("Role in the group"), choices=ROLE_CHOICES)
    effective_on = DateField(_l("A change of category applies from"), default=clock.today,
                             validators=[DataRequired(message=DATE_MESSAGE)],
                             description=_l("The composition before this date keeps the old category."))


class EndMemberForm(FlaskForm):
    version = VersionField()
    left_on = DateField(_l("No longer a member from"), default=clock.today,
                        validators=[DataRequired(message=DATE_MESSAGE)])


class TraitForm(FlaskForm):
    consent = BooleanField(_l("I agree with the text above"))
