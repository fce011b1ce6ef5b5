"""The questionnaire as a form: one field per question (named `q<question id>`), built for each consultation,
plus the anti-spam fields shown to visitors without an account (a honeypot and the signed moment the form
was shown) and the version of the response being changed."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal import clock
from portal.consultations.answering import TEXT_LIMIT, Value
from portal.forms_kit import MaxLength, VersionField
from portal.models.consultations import SCALE_VALUES, Consultation, Question, QuestionKind

SCALE_LABELS = {1: _l("1 – not at all"), 2: "2", 3: "3", 4: "4", 5: _l("5 – very much")}
STARTED_SALT = "consultation-form-shown"
ANSWER_REQUIRED = _l("Please answer this question.")
TEXT_REQUIRED = _l("Please write your answer.")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AnswerForm(FlaskForm):
    """The fixed part; `answer_form()` adds the questions."""

    # The version of the response being changed (empty on a first answer).
    version = VersionField(validators=[Optional()])
    # Visitors without an account: when the form was shown (signed), and a field people never fill in.
    started = HiddenField()
    website = StringField(_l("Leave this field empty"))

    def question_fields(self):
        return [self[name] for name in self._question_names]


def _field(question: Question):
    label = question.text
    if question.kind == QuestionKind.TEXT:
        validators = [DataRequired(message=TEXT_REQUIRED)] if question.required else [Optional()]
        return TextAreaField(label, validators=[*validators, MaxLength(TEXT_LIMIT)],
                             filters=[lambda v: v.strip() if isinstance(v, str) else v])
    validators = [InputRequired(message=ANSWER_REQUIRED)] if question.required else [Optional()]
    if question.kind == QuestionKind.SCALE:
        return RadioField(label, choices=[(v, SCALE_LABELS[v]) for v in SCALE_VALUES], coerce=int,
                          validators=validators)
    choices = [(o.id, o.label) for o in question.options]
    if question.kind == QuestionKind.MULTIPLE:
        return CheckboxesField(label, choices=choices, coerce=int, validators=validators)
    return RadioField(label, choices=choices, coerce=int, validators=validators)


def answer_form(consultation: Consultation, *, values: dict[int, Value] | None = None,
                version: int | None = None, from_request: bool = True) -> AnswerForm:
    """The consultation's form: what the request sent (on POST), else filled from stored `values`."""

    class Form(AnswerForm):
        pass

    names = []
    for question in consultation.questions:
        setattr(Form, f"q{question.id}", _field(question))
        names.append(f"q{question.id}")
    Form._question_names = names
    # On POST no stored values: a radio group left empty must stay empty, not fall back to them.
    data = {"version": version}
    for question in consultation.questions:
        value = (values or {}).get(question.id)
        data[f"q{question.id}"] = list(value) if isinstance(value, tuple) else value
    return Form(data=data) if from_request else Form(formdata=None, data=data)


def form_values(consultation: Consultation, form: AnswerForm) -> dict[int, Value]:
    """{question id: value} from a validated form."""
    values: dict[int, Value] = {}
    for question in consultation.questions:
        data = form[f"q{question.id}"].data
        if question.kind == QuestionKind.MULTIPLE:
            values[question.id] = tuple(data or ())
        elif question.kind == QuestionKind.TEXT:
            values[question.id] = data or None
        else:
            values[question.id] = data
    return values


# ---- the minimum fill time ---------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=STARTED_SALT)


def started_token(consultation: Consultation, browser_id: str) -> str:
    """When the form is shown and to which browser id, signed: the minimum fill time is measured from it, and
    a new answer sent with it is stored under that browser id, so that one displayed form stores at most one
    answer (sent again without the cookie, or with a forged one, it finds the answer already stored)."""
    return _serializer().dumps({"c": consultation.id, "at": clock.now().timestamp(), "b": browser_id})


def form_shown(consultation: Consultation, token: str | None) -> tuple[float, str] | None:
    """(seconds since the form was shown, the browser id it was shown to); None for a missing, forged or
    other consultation's token."""
    try:
        data = _serializer().loads(token or "")
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("c") != consultation.id:
        return None
    if not isinstance(data.get("at"), int | float) or not isinstance(data.get("b"), str) or not data["b"]:
        return None
    return clock.now().timestamp() - data["at"], data["b"]


def seconds_since_shown(consultation: Consultation, token: str | None) -> float | None:
    """How long ago the form was shown; None for a missing, forged or other consultation's token."""
    shown = form_shown(consultation, token)
    return shown[0] if shown is not None else None
