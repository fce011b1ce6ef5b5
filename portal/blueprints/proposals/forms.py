"""Forms of the proposals area: every text states its limit, creation forms carry a one-time token, edit
forms the version the user saw. Amounts are text fields: the service reads Czech notation and refuses a
negative or non-numeric value with a message."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.forms_kit import MaxLength, OnceField, VersionField
from portal.models.proposals import Klima, ProposalKind, Transition, Verdict
from portal.proposals.services import (
    DESCRIPTION_MAX,
    FUNDING_SOURCE_MAX,
    INDICATORS_MAX,
    MILESTONE_TITLE_MAX,
    OPINION_MAX,
    ORGANISATIONS_MAX,
    REASON_MAX,
    RESPONSIBLE_MAX,
    TARGET_GROUP_MAX,
    TITLE_MAX,
)

KIND_LABELS = {
    ProposalKind.SCHOOL.value: _l("School activity"),
    ProposalKind.COOPERATION.value: _l("Cooperation activity"),
    ProposalKind.INFRASTRUCTURE.value: _l("Infrastructure"),
}
TRANSITION_LABELS = {
    Transition.KINDERGARTEN_PRIMARY.value: _l("Kindergarten to primary school"),
    Transition.PRIMARY_STAGES.value: _l("1st to 2nd stage of primary school"),
    Transition.PRIMARY_SECONDARY.value: _l("Primary to secondary school"),
    Transition.PRIMARY_GYMNASIUM.value: _l("Primary school to multi-year gymnasium"),
    Transition.NONE.value: _l("No transition"),
}
KLIMA_LABELS = {
    Klima.CULTURE.value: _l("Culture of learning"),
    Klima.LEADERSHIP.value: _l("Leadership"),
    Klima.INCLUSION.value: _l("Inclusive environment"),
    Klima.MENTORING.value: _l("Mentoring"),
    Klima.ACTIVATING.value: _l("Activating forms of learning"),
}
VERDICT_LABELS = {
    Verdict.COMPLIANT.value: _l("Compliant"),
    Verdict.CONDITIONAL.value: _l("Compliant with conditions"),
    Verdict.NOT_COMPLIANT.value: _l("Not compliant"),
}


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProposalForm(FlaskForm):
    once = OnceField()
    version = VersionField()
    group_id = SelectField(_l("Working group"), coerce=int, validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), MaxLength(TITLE_MAX)])
    description = TextAreaField(_l("Description"), validators=[Optional(), MaxLength(DESCRIPTION_MAX)])
    kind = SelectField(_l("Kind of activity"), choices=list(KIND_LABELS.items()), validators=[DataRequired()])
    target_group = StringField(_l("Target group"), validators=[Optional(), MaxLength(TARGET_GROUP_MAX)])
    organisations = TextAreaField(_l("Schools and organisations involved"),
                                  validators=[Optional(), MaxLength(ORGANISATIONS_MAX)],
                                  description=_l("One per line."))
    transition = SelectField(_l("Transition it concerns"), choices=list(TRANSITION_LABELS.items()),
                             validators=[DataRequired()])
    klima = CheckboxesField(_l("KLIMA components"), choices=list(KLIMA_LABELS.items()),
                            validators=[Optional()])
    expected_cost = StringField(_l("Expected cost (CZK)"), validators=[Optional(), MaxLength(20)],
                                description=_l("A number, e.g. 125 000 or 125 000,50."))
    funding_source = StringField(_l("Funding source"), validators=[Optional(), MaxLength(FUNDING_SOURCE_MAX)])
    indicators = TextAreaField(_l("Indicators"), validators=[Optional(), MaxLength(INDICATORS_MAX)],
                               description=_l("One per line: name; unit; baseline; yearly targets, e.g. "
                                              "Pupils tutored; pupils; 0; 2026=20, 2027=40"))


class TransitionForm(FlaskForm):
    """Confirms a state change; the reason is required when returning a proposal (the service says so)."""

    version = VersionField()
    reason = TextAreaField(_l("Reasons"), validators=[Optional(), MaxLength(REASON_MAX)])
    plan_version_id = SelectField(_l("Action plan version"), coerce=int, validators=[Optional()])


class SignalSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search signals"), validators=[Optional(), MaxLength(100)],
                    description=_l("School name or identifier, or the rule."))


class FundingRequestForm(FlaskForm):
    group_id = SelectField(_l("Financing group"), coerce=int, validators=[InputRequired()])


class FundingOpinionForm(FlaskForm):
    once = OnceField()
    text = TextAreaField(_l("Funding opinion"), validators=[DataRequired(), MaxLength(OPINION_MAX)])


class PlanYearsForm(FlaskForm):
    first = IntegerField(_l("First year of the plan"), validators=[InputRequired(), NumberRange(2000, 2100)])
    last = IntegerField(_l("Last year of the plan"), validators=[InputRequired(), NumberRange(2000, 2100)])


class MilestoneForm(FlaskForm):
    once = OnceField()
    version = VersionField()
    title = StringField(_l("Milestone"), validators=[DataRequired(), MaxLength(MILESTONE_TITLE_MAX)])
    due_on = DateField(_l("Due date"), validators=[InputRequired()])
    responsible = StringField(_l("Responsible person or organisation"),
                              validators=[Optional(), MaxLength(RESPONSIBLE_MAX)])
    target_value = StringField(_l("Indicator target"), validators=[Optional(), MaxLength(20)])
    reached_value = StringField(_l("Value reached"), validators=[Optional(), MaxLength(20)],
                                description=_l("Leave empty until a value is known."))
