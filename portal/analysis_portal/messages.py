"""Flag messages rendered in the reader's language from stored facts (a message id and its values).

The analysis module (`portal.analysis.rules`) gives each flag a ``message_id`` (usually the rule id) and
``params``: numbers unformatted, names as in the data. The portal stores those, never a sentence, and renders
the sentence here through the catalogue, with the number formats the pages use (`portal.i18n`): shares in
per cent, differences of shares in percentage points, money in CZK. In Czech the result is the analysis
module's own sentence, word for word (a test compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.i18n import points_filter

#: One sentence per message id; "%(name)s" are the flag's params, formatted by ``FORMATS``.
MESSAGES: dict[str, Any] = {
    "spread_schools_pair": _l(
        "The share of disadvantaged pupils at the school “%(school)s” (%(share)s) differs from that of the "
        "school “%(other)s” (%(other_share)s) by %(diff)s, that is by more than %(threshold_pp)s. "
        "A signal to look into (guide II.3)."),
    "spread_schools_average": _l(
        "The share of disadvantaged pupils at the school “%(school)s” (%(share)s) is %(diff)s above the "
        "pooled share of %(type)s schools in the territory %(territory)s (%(pooled)s), that is by more than "
        "%(threshold_pp)s. A signal to look into (guide II.3)."),
    "spread_classes_pair": _l(
        "The share of disadvantaged pupils in grade %(grade)s of the school “%(school)s” in the class "
        "%(class)s (%(share)s) differs from that of the class %(other)s (%(other_share)s) by %(diff)s, that "
        "is by more than %(threshold_pp)s. A signal to look into (guide II.6)."),
    "spread_classes_average": _l(
        "The share of disadvantaged pupils in the class %(class)s (%(share)s) is %(diff)s above the share of "
        "the whole grade %(grade)s of the school “%(school)s” (%(pooled)s), that is by more than "
        "%(threshold_pp)s. A signal to look into (guide II.6)."),
    "sen_share_territory": _l(
        "The share of pupils with special educational needs (SEN) among all children and pupils in the "
        "territory %(territory)s is %(share)s, more than %(threshold)s. A signal to look into (guide II.3)."),
    "mild_id_share_territory": _l(
        "The share of pupils with mild intellectual disability among all children and pupils in the "
        "territory %(territory)s is %(share)s, more than %(threshold)s. A signal to look into (guide II.3)."),
    "high_disadvantage_territory": _l(
        "The share of disadvantaged pupils among all children and pupils in the territory %(territory)s is "
        "%(share)s, at least %(threshold)s. A signal to look into (guide II.3, section 105(2))."),
    "sen_share_school": _l(
        "The share of pupils with special educational needs (SEN) at the school “%(school)s” is %(share)s, "
        "more than %(threshold)s. A signal to look into (guide II.6)."),
    "mild_id_share_school": _l(
        "The share of pupils with mild intellectual disability at the school “%(school)s” is %(share)s, "
        "more than %(threshold)s. A signal to look into (guide II.6)."),
    "dropout_gap": _l(
        "The share of pupils who left school early or repeated a grade at the school “%(school)s” is "
        "%(rate)s, %(gap)s more than the pooled rate of %(type)s schools in the territory %(territory)s "
        "(%(pooled)s); the threshold is %(threshold)s. A signal to look into (guide II.4)."),
    "further_ed_gap": _l(
        "%(rate)s of the leavers of the school “%(school)s” continue in matura programmes, %(gap)s fewer "
        "than the pooled rate of %(type)s schools in the territory %(territory)s (%(pooled)s); the threshold "
        "is %(threshold)s. A signal to look into (guide II.4)."),
    "competence_gap": _l(
        "The testing result of the school “%(school)s” (%(score)s) is %(reasons)s; the threshold is "
        "%(threshold)s. A signal to look into (guide II.4)."),
    "funding_gap": _l(
        "The school “%(school)s” receives %(funding)s per pupil from its founder, %(gap)s less than the "
        "school “%(other)s” (%(other_funding)s), although it has a higher share of disadvantaged pupils "
        "(%(share)s against %(other_share)s); the threshold is %(threshold)s. A signal to look into (guide "
        "II.5)."),
    "disadvantaged_matura_gap": _l(
        "Of the disadvantaged leavers of the school “%(school)s”, %(rate)s (%(count)s of %(focal)s) continue "
        "in matura programmes, %(gap)s fewer than of all the school's leavers (%(overall)s); the threshold "
        "is %(threshold)s. A signal to look into (guide II.8)."),
    "small_segregated_school": _l(
        "The small school “%(school)s” (%(pupils)s pupils, fewer than %(limit)s) has a share of "
        "disadvantaged pupils of %(share)s, %(diff)s more than the pooled share of %(type)s schools in the "
        "territory %(territory)s (%(pooled)s); the threshold is %(threshold_pp)s. A signal to look into "
        "(guide II.3)."),
    "high_disadvantage_school": _l(
        "The share of disadvantaged pupils at the school “%(school)s” is %(share)s, at least %(threshold)s. "
        "An informational signal to look into (guide II.3)."),
    "gym_outflow_high": _l(
        "%(outflow)s of the %(grade5)s grade-5 pupils of the school “%(school)s” leave for multi-year "
        "gymnasia (%(rate)s), at least %(threshold)s. An informational signal to look into (selectivity of "
        "the transition to multi-year gymnasia)."),
    "gym_outflow_high_national": _l(
        "%(outflow)s of the %(grade5)s grade-5 pupils of the school “%(school)s” leave for multi-year "
        "gymnasia (%(rate)s), at least %(threshold)s; nationally about %(national)s of the grade. An "
        "informational signal to look into (selectivity of the transition to multi-year gymnasia)."),
}


def percent(value: float) -> str:
    """0.5454 → "54,5 %" (Czech) / "54.5 %" (English): one decimal at most, as the analysis module writes."""
    return format_percent(value, "#,##0.# %")


def money(value: float) -> str:
    return _("%(amount)s CZK", amount=format_decimal(value, "#,##0"))


def score(value: float) -> str:
    return format_decimal(value, "0.#")


def school_type(code: str | None) -> str:
    """The short name of a school type; the abbreviations MŠ, ZŠ, SŠ are names in both languages."""
    if code == "GYM":
        return str(_l("multi-year gymnasium"))
    return {"MS": "MŠ", "ZS": "ZŠ", "SS": "SŠ"}.get(code or "", code or "")


FORMATS: dict[str, Callable[[Any], str]] = {
    **dict.fromkeys(("share", "other_share", "pooled", "rate", "gap", "overall", "national", "threshold",
                     "reference_gap", "best_gap"), percent),
    **dict.fromkeys(("diff", "threshold_pp"), points_filter),
    **dict.fromkeys(("funding", "other_funding"), money),
    **dict.fromkeys(("score", "best_score", "reference"), score),
    "type": school_type,
}


def _formatted(params: Mapping[str, Any]) -> dict[str, str]:
    return {name: ("" if value is None else FORMATS.get(name, str)(value)) for name, value in params.items()}


def _competence_reasons(values: dict[str, str], params: Mapping[str, Any]) -> str:
    reasons = []
    if "reference_gap" in params:
        reference = ", ".join(v for v in (values["reference"], values.get("reference_source"),
                                          values.get("reference_date")) if v)
        reasons.append(_("%(gap)s below the national reference (%(reference)s)",
                         gap=values["reference_gap"], reference=reference))
    if "best_gap" in params:
        reasons.append(_("%(gap)s below the result of the best %(type)s school in the territory, “%(best)s” "
                         "(%(best_score)s)", gap=values["best_gap"], type=values["type"], best=values["best"],
                         best_score=values["best_score"]))
    return _(" and ").join(reasons)


def render(message_id: str, params: Mapping[str, Any]) -> str:
    """The flag's message in the current language. Rows the migration could not re-derive keep their old
    text as ``params["text"]`` (message id "")."""
    if message_id not in MESSAGES:
        return str(params.get("text", ""))
    values = _formatted(params)
    if message_id == "competence_gap":
        values["reasons"] = _competence_reasons(values, params)
    return str(MESSAGES[message_id]) % values


def render_group(rule: str, flags: Sequence[Any]) -> str:
    """The message of a group of spread flags of one scope (``portal.analysis.group_flags``), e.g. "5 ZŠ
    schools in … differ … by more than 25 pp; extreme values: A 54.5 %, B 6.2 %. A signal to look into"."""
    first = flags[0]
    n = len(flags)
    threshold = points_filter(first.threshold)
    if rule == "disadvantaged_spread_schools":
        units = ngettext("%(num)d school of type %(type)s in the territory %(territory)s",
                         "%(num)d schools of type %(type)s in the territory %(territory)s", n,
                         type=school_type(first.school_type), territory=first.territory)
        section = "II.3"
    else:
        school = (_("“%(name)s”", name=first.school_name) if first.school_name
                  else _("with the IZO %(id)s", id=first.school_id))
        units = ngettext("%(num)d class of grade %(grade)s of the school %(school)s",
                         "%(num)d classes of grade %(grade)s of the school %(school)s", n,
                         grade=first.grade, school=school)
        section = "II.6"
    if any(f.counterpart_id is not None for f in flags):
        text = _("%(units)s differ from each other in the share of disadvantaged pupils by more than "
                 "%(threshold)s", units=units, threshold=threshold)
    else:
        text = _("%(units)s with a share of disadvantaged pupils more than %(threshold)s above the pooled "
                 "share",
                 units=units, threshold=threshold)
    shared = [f for f in flags if f.unit_share is not None]
    if shared:
        high = max(shared, key=lambda f: f.unit_share or 0.0)
        low = min(shared, key=lambda f: f.unit_share or 0.0)
        shown = [high] if high is low else [high, low]
        text += _("; extreme values: %(values)s",
                  values=", ".join(f"{f.unit_label} {percent(f.unit_share or 0.0)}" for f in shown))
    # "p. b." already ends with a full stop.
    return _("%(text)s A signal to look into (guide %(section)s).",
             text=text if text.endswith(".") else f"{text}.", section=section)
