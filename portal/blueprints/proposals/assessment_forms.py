"""Forms of the equal-access assessment: the checklist, assessors, an assessor's answers, the verdict."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Optional

from portal.blueprints.auth.forms import strip
from portal.blueprints.meetings.forms import CheckboxListField
from portal.blueprints.proposals.forms import VERDICT_LABELS
from portal.forms_kit import MaxLength, OnceField, VersionField
from portal.proposals.assessment import (
    ANSWER_LABELS,
    MAX_CRITERIA,
    MAX_CRITERION,
    MAX_REASON,
    MAX_VERDICT_TEXT,
)


class CriteriaForm(FlaskForm):
    """The territory's checklist, one criterion per line; `version` is the checklist's version number."""

    criteria = TextAreaField(
        _l("Criteria, one per line"), filters=[strip],
        validators=[InputRequired(message=_l("The checklist needs at least one criterion.")),
                    MaxLength(MAX_CRITERIA * (MAX_CRITERION + 1))],
        description=_l("At most %(count)s criteria of at most %(limit)s characters each. Saving makes a new "
                       "version; assessments already started keep the criteria they were made with.",
                       count=MAX_CRITERIA, limit=MAX_CRITERION))
    version = VersionField()


class AssessorsForm(FlaskForm):
    assessors = CheckboxListField(_l("Assessors"), coerce=int,
                                  validators=[InputRequired(message=_l("Choose at least one assessor."))])
    once = OnceField()


def review_form(criteria, formdata=None, data=None):
    """The form of one assessor's answers: an answer and a reason per criterion (`answer_<id>`,
    `reason_<id>`), and the review's version."""

    class ReviewForm(FlaskForm):
        version = VersionField()

    choices = list(ANSWER_LABELS.items())
    for criterion in criteria:
        setattr(ReviewForm, f"answer_{criterion.id}", RadioField(
            _l("Answer to criterion %(position)s", position=criterion.position), choices=choices,
            validators=[Optional()]))
        setattr(ReviewForm, f"reason_{criterion.id}", TextAreaField(
            _l("Reason for criterion %(position)s", position=criterion.position), filters=[strip],
            validators=[MaxLength(MAX_REASON)],
            description=_l("Required for the answers “no” and “partly”.")))
    if formdata is None:
        return ReviewForm(data=data)
    return ReviewForm(formdata=formdata)


class VerdictForm(FlaskForm):
    verdict = RadioField(_l("Verdict"), choices=list(VERDICT_LABELS.items()),
                         validators=[InputRequired(message=_l("Choose the verdict."))])
    reasons = TextAreaField(_l("Reasons"), filters=[strip],
                            validators=[InputRequired(message=_l("State the reasons for the verdict.")),
                                        MaxLength(MAX_VERDICT_TEXT)])
    conditions = TextAreaField(_l("Conditions"), filters=[strip], validators=[MaxLength(MAX_VERDICT_TEXT)],
                               description=_l("Required for a verdict “compliant with conditions”; one "
                                              "condition per line."))
    # 0: no meeting chosen (yet).
    meeting_id = SelectField(_l("Meeting whose minutes record the verdict"), coerce=int, default=0)
    version = VersionField()
