"""Meetings of the period: held against the target, each meeting with its attendance.

Reads (the same the meeting pages use): `portal.meetings.reads.meetings_between` (the group's meetings,
organised or joint, dated by their local day as the cadence dates them), `portal.meetings.cadence.
group_cadence` (the target per calendar year, prorated in the group's first year, and the rolling 12-month
windows), `portal.meetings.attendance.member_rate` (members present ÷ members expected, the rate the meeting
page shows; `overall_rate` over the period) and `attendance.summary_by_category`.

Meetings that are not public keep their date and attendance but not their title and place: the report may
be published to parents and the public, who do not see those meetings in the portal either.

Figure keys: ``meetings_held``, ``meetings_cancelled``, ``meetings_planned`` (in the period; planned ones
are still ahead or were never marked held), ``meetings_target`` and ``target_met`` (the calendar year of
the period's end, "yes"/"no"), ``meetings_rolling``, ``rolling_target`` and ``rolling_met`` (the 12
calendar months ending with the month of the period's end; None when the group is younger), and
``attendance_rate`` (percent, one decimal), ``members_present``, ``members_expected`` (over the held
meetings whose attendance is recorded). Charts: ``attendance`` (rate per held meeting), ``attendance_by_
category`` (people present per category), ``meetings_per_year`` (held and target in every year of the group
up to the period's end).
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal import clock
from portal.groups.balance import CATEGORIES, CATEGORY_LABELS
from portal.i18n import date_filter
from portal.meetings import attendance, cadence, reads
from portal.models.meetings import Meeting, MeetingStatus
from portal.reports.model import Chart, Figure, Items, Section, Table, Text
from portal.reports.sections import TITLES, Context
from portal.reports.wording import in_period


def _percent(rate: attendance.MemberRate | None) -> float | None:
    return None if rate is None or rate.rate is None else round(100 * rate.rate, 1)


def _title(meeting: Meeting) -> str:
    return meeting.title if meeting.public else _("Meeting not open to the public")


def _place(meeting: Meeting) -> str:
    if not meeting.public:
        return ""
    if meeting.place and meeting.online_url:
        return _("%(place)s and online", place=meeting.place)
    return meeting.place or (_("online") if meeting.online_url else "")


def build(ctx: Context) -> Section:
    group = ctx.group
    meetings = reads.meetings_between(group, ctx.start, ctx.end)
    report = cadence.group_cadence(group, clock.today())
    held = [m for m in meetings if m.status == MeetingStatus.HELD]
    cancelled = [m for m in meetings if m.status == MeetingStatus.CANCELLED]
    planned = [m for m in meetings if m.status == MeetingStatus.PLANNED]
    rates = {m.id: attendance.member_rate(m) for m in held}
    overall = attendance.overall_rate(list(rates.values()))
    day = {m.id: date_filter(cadence.local_date(m.starts_at, m.timezone)) for m in meetings}

    year = next((y for y in report.years if y.year == ctx.end.year), None)
    window = cadence.window_ending(report, ctx.end)

    if window is not None:
        rolling_label = _("Meetings in the 12 months from %(start)s to %(end)s",
                          start=date_filter(window.start), end=date_filter(window.end))
    else:
        rolling_label = _("Meetings in the last 12 months of the period")
    blocks: list = [
        Figure("meetings_held", _("Meetings held"), len(held)),
        Figure("meetings_cancelled", _("Meetings cancelled"), len(cancelled)),
        Figure("meetings_planned", _("Meetings planned (not marked as held)"), len(planned)),
        Figure("meetings_target", _("Target for %(year)s (meetings)", year=ctx.end.year),
               year.target if year else None),
        Figure("target_met", _("Target for %(year)s met", year=ctx.end.year),
               None if year is None else (_("yes") if year.ok else _("no"))),
        Figure("meetings_rolling", rolling_label, window.count if window else None),
        Figure("rolling_target", _("Target for any 12 consecutive months (meetings)"), group.meeting_target),
        Figure("rolling_met", _("Target for the 12 months met"),
               None if window is None else (_("yes") if window.ok else _("no"))),
        Figure("attendance_rate", _("Attendance rate of members at held meetings"), _percent(overall), "%"),
        Figure("members_present", _("Members present (all held meetings together)"),
               overall.present if overall else 0),
        Figure("members_expected", _("Members expected (all held meetings together)"),
               overall.expected if overall else 0),
    ]
    if not meetings:
        blocks.insert(0, Text(in_period(ctx, _("In %(year)s the group held no meeting.", year=ctx.start.year),
                                        _("From %(start)s to %(end)s the group held no meeting.",
                                          start=date_filter(ctx.start), end=date_filter(ctx.end)))))
    if window is None:
        blocks.append(Text(_("The rolling 12 months are not judged: the group's recorded life is shorter "
                             "than 12 months at the end of the period.")))
    blocks.append(Text(_(
        "The attendance rate is the number of members present divided by the number of members expected "
        "(the members of the participating groups on the meeting's day), over the held meetings whose "
        "attendance is recorded; guests are not counted.")))
    if not meetings:
        return Section(key="meetings", title=str(TITLES["meetings"]), blocks=blocks)

    rows = []
    for meeting in meetings:
        rate = rates.get(meeting.id)
        guests = sum(1 for a in meeting.attendance if a.is_guest and a.present)
        status = str(reads.STATUS_LABELS[meeting.status])
        rows.append([day[meeting.id], _title(meeting), _place(meeting), status,
                     rate.present if rate else None, rate.expected if rate else None, _percent(rate),
                     guests if meeting.status == MeetingStatus.HELD else None])
    blocks.append(Table(
        caption=_("Meetings of the group"),
        header=[_("Date"), _("Meeting"), _("Place"), _("Status"), _("Members present"), _("Members expected"),
                _("Attendance rate (%)"), _("Guests")],
        rows=rows,
    ))
    if cancelled:
        blocks.append(Text(_("Cancelled meetings:")))
        blocks.append(Items([
            f"{day[m.id]} – {_title(m)}" + (f": {m.cancel_reason}" if m.cancel_reason and m.public else "")
            for m in cancelled]))

    recorded = [m for m in held if rates[m.id] is not None]
    if recorded:
        blocks.append(Chart(
            key="attendance", title=_("Attendance rate of members by meeting"), kind="column",
            labels=[day[m.id] for m in recorded], series=[(_("Attendance rate"), [_percent(rates[m.id])
                                                                                  for m in recorded])],
            unit="%",
            table=Table(caption=_("Attendance rate of members by meeting"),
                        header=[_("Date"), _("Members present"), _("Members expected"),
                                _("Attendance rate (%)")],
                        rows=[[day[m.id], rates[m.id].present, rates[m.id].expected, _percent(rates[m.id])]
                              for m in recorded]),
        ))
        summaries = {m.id: {row.category: row for row in attendance.summary_by_category(m)} for m in recorded}
        shown = [c for c in (*CATEGORIES, None) if any(c in s for s in summaries.values())]
        labels = [str(CATEGORY_LABELS[c]) if c else _("no category") for c in shown]
        blocks.append(Chart(
            key="attendance_by_category", title=_("People present by category"), kind="stacked",
            labels=[day[m.id] for m in recorded],
            series=[(label, [float(summaries[m.id][c].total) if c in summaries[m.id] else 0.0
                             for m in recorded]) for label, c in zip(labels, shown, strict=True)],
            table=Table(
                caption=_("People present by category (members and guests)"),
                header=[_("Date"), *labels, _("Total"), _("of them guests")],
                rows=[[day[m.id], *[summaries[m.id][c].total if c in summaries[m.id] else 0 for c in shown],
                       sum(r.total for r in summaries[m.id].values()),
                       sum(r.guests for r in summaries[m.id].values())] for m in recorded],
            ),
        ))
    else:
        blocks.append(Text(_("No attendance was recorded at the held meetings of the period.")))

    years = [y for y in report.years if y.year <= ctx.end.year]
    if years:
        blocks.append(Chart(
            key="meetings_per_year", title=_("Meetings per year against the target"), kind="column",
            labels=[str(y.year) for y in years],
            series=[(_("Held"), [float(y.held) for y in years]),
                    (_("Target"), [float(y.target) for y in years])],
            table=Table(
                caption=_("Meetings per year against the target"),
                header=[_("Year"), _("Held"), _("Target"), _("Cancelled"), _("Not marked as held"),
                        _("Target met")],
                rows=[[str(y.year), y.held, y.target, y.cancelled, y.unconfirmed + y.planned,
                       _("yes") if y.ok else _("no")] for y in years],
            ),
        ))
    return Section(key="meetings", title=str(TITLES["meetings"]), blocks=blocks)
