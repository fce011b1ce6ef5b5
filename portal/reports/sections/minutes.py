"""Topics, resolutions and tasks from the approved minutes of the group's meetings in the period.

Read through `portal.meetings.reads.approved_minutes_between` (held meetings starting in the period, their
minutes approved). A task counts as done when it was marked done before the period's end, otherwise as open
at the period's end. Owners of tasks are not named (the report may be published to parents); agenda items
made from an analysis signal are shown as "item on the territory analysis", as on a public meeting page
(`portal.analysis_portal.visibility`), since the report's readers need not see the analysis.
"""

from __future__ import annotations

from flask_babel import gettext as _

from portal.analysis_portal.visibility import hidden_agenda_items
from portal.meetings import reads
from portal.reports.model import Figure, Section, Table, Text
from portal.reports.sections import TITLES, Context
from portal.reports.sections._period import bounds, day, period


def build(ctx: Context) -> Section:
    section = Section(key="minutes", title=str(TITLES["minutes"]))
    start_at, end_at = bounds(ctx.start, ctx.end)
    meetings = reads.approved_minutes_between(ctx.group, start_at, end_at)
    if not meetings:
        section.blocks.append(Text(_("%(period)s the group approved no minutes of its meetings.",
                                     period=period(ctx.start, ctx.end))))
        return section
    hidden = hidden_agenda_items(meetings, scope="")  # the most restricted reader: no analysis
    topics, resolutions, tasks = [], [], []
    for meeting in meetings:
        on = day(meeting.starts_at)
        titles = [_("item on the territory analysis") if item.id in hidden else item.title
                  for item in meeting.agenda]
        topics.append([on, meeting.title, "; ".join(titles) or "—"])
        resolutions += [[on, meeting.title, r.number, r.text] for r in meeting.resolutions]
        tasks += [(meeting, t) for t in meeting.tasks]
    done = [(m, t) for m, t in tasks if reads.task_done_by(t, end_at)]
    open_ = [(m, t) for m, t in tasks if not reads.task_done_by(t, end_at)]
    section.blocks += [
        Figure("meetings_with_minutes", _("Meetings with approved minutes"), len(meetings)),
        Figure("topics_count", _("Topics discussed"), sum(len(m.agenda) for m in meetings)),
        Figure("resolutions_count", _("Resolutions adopted"), len(resolutions)),
        Figure("tasks_total", _("Tasks set"), len(tasks)),
        Figure("tasks_done", _("Tasks done by the end of the period"), len(done)),
        Figure("tasks_open", _("Tasks open at the end of the period"), len(open_)),
        Table(_("Topics of the meetings"), [_("Date"), _("Meeting"), _("Topics")], topics),
    ]
    if resolutions:
        section.blocks.append(Table(_("Resolutions"), [_("Date"), _("Meeting"), _("No."), _("Resolution")],
                                    resolutions))
    else:
        section.blocks.append(Text(_("The approved minutes record no resolutions.")))
    if tasks:
        rows = []
        tasks.sort(key=lambda mt: (mt[0].starts_at, mt[1].due_on or ctx.end, mt[1].id))
        for meeting, task in tasks:
            if reads.task_done_by(task, end_at):
                state = _("done on %(date)s", date=day(task.done_at))
            elif task.due_on is not None and task.due_on <= ctx.end:
                state = _("open, overdue")
            else:
                state = _("open")
            rows.append([task.title, day(meeting.starts_at), day(task.due_on) if task.due_on else "—", state])
        header = [_("Task"), _("Meeting of"), _("Due"), _("State at the end of the period")]
        section.blocks.append(Table(_("Tasks from the meetings"), header, rows))
        overdue = sum(1 for _m, t in open_ if t.due_on is not None and t.due_on <= ctx.end)
        section.blocks.append(Figure("tasks_overdue", _("Open tasks past their due date"), overdue))
    else:
        section.blocks.append(Text(_("The approved minutes set no tasks.")))
    return section
