"""Meetings of working groups: scheduling, series, cadence, agenda, attendance, minutes (issue 4).

The calendar side (iCalendar feeds, invitations and replies by e-mail) lives in `portal.calendar` and
`portal.meetings.invitations`, owned separately.
"""
