"""Signals (flags) of the analysis of the group's territory: new in the period, discussed, addressed by
which proposal, closed; every signal's state at the period's end (a chart with its table); and the
segregation indices over the school years stored.

Reads: `portal.analysis_portal.reads.flags_between` (states from the flags' history, `FlagEvent`) and
`reads.index_trend` (the analysis overview page's series).

Wording. The analysis itself is for the territory's members, coordinators and administrators
(`portal.analysis_portal.visibility`); a report may be published to members and parents, so the report
uses the most restricted wording, the one a public meeting page uses for an agenda item made from a signal:
no school or class is named and no school's figures are given. A signal is described by its rule (a general
sentence such as "Difference in the share of disadvantaged pupils between classes") and whether it concerns
the territory, a school or a class; notes written on state changes are left out (they may name schools).
Territory-level indices are aggregates of the whole territory and are shown.
"""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _

from portal.analysis_portal import reads
from portal.analysis_portal.base import STATE_LABELS, TYPE_LABELS, rule_label
from portal.models.analysis import FlagState
from portal.reports.model import Chart, Figure, Items, Section, Table, Text
from portal.reports.sections import TITLES, Context
from portal.reports.sections._period import bounds, day, number, period

INDICES = (("dissimilarity", "D"), ("isolation", "xPx"), ("exposure", "xPy"), ("gini", "G"))


def _subject(flag) -> str:
    if flag.class_name:
        return _("a class of a school")
    if flag.school_id:
        return _("a school")
    if flag.territory_label:
        return _("the territory %(name)s", name=flag.territory_label)
    return _("the territory")


def _event_text(event) -> str | None:
    on = day(event.at)
    if event.kind == "agenda":
        return _("put on a meeting's agenda on %(date)s", date=on)
    if event.kind == "recurred":
        return _("seen again in the data of %(year)s (%(date)s)", year=event.school_year or "", date=on)
    if event.to_state:
        return _("%(state)s on %(date)s", state=STATE_LABELS.get(event.to_state, event.to_state), date=on)
    return None


def build(ctx: Context) -> Section:
    section = Section(key="signals", title=str(TITLES["signals"]))
    start_at, end_at = bounds(ctx.start, ctx.end)
    found = reads.flags_between(ctx.group.territory_id, start_at, end_at)

    def moved_to(state: str) -> int:
        return sum(1 for f in found.flags if any(e.to_state == state and e.kind == "state" for e in f.events))

    new = [f for f in found.flags if f.new]
    section.blocks += [
        Figure("signals_new", _("Signals new in the period"), len(new)),
        Figure("signals_discussed", _("Signals discussed in the period"),
               moved_to(FlagState.DISCUSSED.value)),
        Figure("signals_on_agenda", _("Signals put on a meeting's agenda"),
               sum(1 for f in found.flags if any(e.kind == "agenda" for e in f.events))),
        Figure("signals_addressed", _("Signals addressed by a proposal in the period"),
               moved_to(FlagState.ADDRESSED.value)),
        Figure("signals_monitored", _("Signals moved to monitoring in the period"),
               moved_to(FlagState.MONITORED.value)),
        Figure("signals_closed", _("Signals closed in the period"), moved_to(FlagState.CLOSED.value)),
        Figure("signals_at_end", _("Signals recorded at the end of the period"),
               sum(found.states_at_end.values())),
    ]
    if not found.flags and not found.states_at_end:
        section.blocks.append(Text(_("%(period)s the analysis of the territory recorded no signals.",
                                     period=period(ctx.start, ctx.end))))
    if new:
        by_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for item in new:
            by_rule[item.flag.rule][0 if not item.flag.school_id else 2 if item.flag.class_name else 1] += 1
        section.blocks.append(Table(
            _("New signals by kind"), [_("Signal"), _("territory"), _("schools"), _("classes"), _("Total")],
            [[rule_label(rule), *counts, sum(counts)]
             for rule, counts in sorted(by_rule.items(), key=lambda rc: rule_label(rc[0]))]))
    worked = [f for f in found.flags if any(e.kind in ("state", "agenda") for e in f.events)]
    if worked:
        rows = []
        for item in worked:
            history = [t for t in (_event_text(e) for e in item.events) if t]
            proposals = ", ".join(p.title for p in item.proposals) or "—"
            rows.append([rule_label(item.flag.rule), _subject(item.flag), "; ".join(history), proposals,
                         str(STATE_LABELS.get(item.state_at_end, item.state_at_end))])
        section.blocks.append(Table(
            _("What the group did about the signals"),
            [_("Signal"), _("Concerns"), _("In the period"), _("Addressed by the proposal"),
             _("State at the end of the period")], rows))
    elif found.states_at_end:
        section.blocks.append(Text(_("%(period)s the group did not deal with any signal of the analysis.",
                                     period=period(ctx.start, ctx.end))))
    if found.states_at_end:
        states = [s.value for s in FlagState]
        labels = [str(STATE_LABELS[s]) for s in states]
        counts = [found.states_at_end.get(s, 0) for s in states]
        for state, count in zip(states, counts, strict=True):
            section.blocks.append(Figure(f"signals_state_{state}", str(STATE_LABELS[state]), count))
        section.blocks.append(Chart(
            key="signals_by_state", title=_("Signals by state at the end of the period"), kind="bar",
            labels=labels, series=[(_("Signals"), [float(c) for c in counts])],
            table=Table(_("Signals by state at the end of the period"), [_("State"), _("Signals")],
                        [[label, count] for label, count in zip(labels, counts, strict=True)])))
    section.blocks += _trend(ctx)
    return section


def _trend(ctx: Context) -> list:
    series = reads.index_trend(ctx.group.territory_id)
    # School years that had begun by the period's end ("2025/26" begins in September 2025).
    years = sorted({year for s in series for year in s.by_year if int(year[:4]) <= ctx.end.year})
    if not years:
        return [Text(_("The analysis of the territory holds no school year yet, so no trend of the indices "
                       "can be shown."))]

    def name(s) -> str:
        kind = str(TYPE_LABELS.get(s.school_type, s.school_type))
        return f"{kind}, {s.territory}" if s.territory and len({x.territory for x in series}) > 1 else kind

    lines = [(name(s), [getattr(s.by_year.get(y), "dissimilarity", None) for y in years]) for s in series]
    rows = []
    for year in years:
        for s in series:
            record = s.by_year.get(year)
            if record is not None:
                rows.append([year, name(s), record.units, *[number(getattr(record, f), "0.000")
                                                            for f, _abbr in INDICES]])
    header = [_("School year"), _("School type"), _("Schools"), _("Dissimilarity index D"),
              _("Isolation index xPx"), _("Exposure index xPy"), _("Gini coefficient G")]
    blocks: list = [Chart(
        key="indices_trend", kind="line",
        title=_("Dissimilarity index D by school type over the school years"),
        labels=years, series=[(label, [None if v is None else round(float(v), 4) for v in values])
                              for label, values in lines],
        table=Table(_("Segregation indices of the territory by school year"), header, rows))]
    if len(years) < 2:
        blocks.append(Items([_("Only one school year is stored, so the trend is a single point.")]))
    return blocks
