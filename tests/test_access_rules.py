"""Every route declares who may use it, and the rule holds for every role.

A new route without an entry in EXPECTED fails here: decide its rule, declare it on the view, list it below.
"""

import pytest

from portal.security import ALLOWED_ROLES, Access

EXPECTED: dict[str, Access] = {
    "static": Access.PUBLIC,
    "main.index": Access.PUBLIC,
    "main.set_language": Access.PUBLIC,
    "health.healthz": Access.PUBLIC,
    "auth.login": Access.PUBLIC,
    "auth.logout": Access.USER,
    "auth.forgot_password": Access.PUBLIC,
    "auth.reset_password": Access.TOKEN,
    "auth.accept_invitation": Access.TOKEN,
    "auth.request_link": Access.PUBLIC,
    "auth.link_sign_in": Access.TOKEN,
    "consultations.invite": Access.MEMBER,
    "consultations.invitees": Access.MEMBER,
    "account.profile": Access.USER,
    "account.change_password": Access.USER,
    "account.delete": Access.USER,
    "users.index": Access.COORDINATOR,
    "users.invite": Access.COORDINATOR,
    "users.revoke_invitation": Access.COORDINATOR,
    "users.show": Access.COORDINATOR,
    "users.deactivate": Access.ADMIN,
    "users.activate": Access.ADMIN,
    "users.change_role": Access.ADMIN,
    "admin.audit": Access.ADMIN,
    "groups.index": Access.PUBLIC,
    "groups.show": Access.PUBLIC,
    "groups.directory": Access.PUBLIC,
    "groups.create": Access.COORDINATOR,
    "groups.edit": Access.MEMBER,
    "groups.add_member": Access.MEMBER,
    "groups.edit_member": Access.MEMBER,
    "groups.end_member": Access.MEMBER,
    "groups.export": Access.MEMBER,
    "groups.traits": Access.USER,
    "groups.withdraw_trait": Access.USER,
    "analysis.overview": Access.MEMBER,
    "analysis.school": Access.MEMBER,
    "analysis.flags": Access.MEMBER,
    "analysis.flag": Access.MEMBER,
    "analysis.change_state": Access.COORDINATOR,
    "analysis.put_on_agenda": Access.COORDINATOR,
    "analysis.import_data": Access.COORDINATOR,
    "analysis.preview": Access.COORDINATOR,
    "analysis.confirm": Access.COORDINATOR,
    "analysis.cancel_import": Access.COORDINATOR,
    "analysis.job": Access.COORDINATOR,
    "analysis.retry_job": Access.COORDINATOR,
    "analysis.export_flags": Access.COORDINATOR,
    "analysis.export_indices": Access.COORDINATOR,
    "calendar.group_feed": Access.PUBLIC,
    "calendar.user_feed": Access.TOKEN,
    "calendar.meeting_ics": Access.PUBLIC,
    "calendar.subscriptions": Access.USER,
    "calendar.reset_secret": Access.USER,
    "rsvp.manage": Access.MEMBER,
    "rsvp.add_guest": Access.MEMBER,
    "rsvp.send": Access.MEMBER,
    "rsvp.reply": Access.USER,
    "rsvp.reply_link": Access.TOKEN,
    "meetings.index": Access.PUBLIC,
    "meetings.show": Access.PUBLIC,
    "meetings.minutes_history": Access.PUBLIC,
    "meetings.minutes_export": Access.PUBLIC,
    "meetings.create": Access.MEMBER,
    "meetings.edit": Access.MEMBER,
    "meetings.cancel": Access.MEMBER,
    "meetings.mark_held": Access.MEMBER,
    "meetings.series": Access.MEMBER,
    "meetings.agenda": Access.MEMBER,
    "meetings.edit_agenda_item": Access.MEMBER,
    "meetings.move_agenda_item": Access.MEMBER,
    "meetings.delete_agenda_item": Access.MEMBER,
    "meetings.attendance_sheet": Access.MEMBER,
    "meetings.add_guest": Access.MEMBER,
    "meetings.remove_guest": Access.MEMBER,
    "meetings.attendance_pdf": Access.MEMBER,
    "meetings.attendance_docx": Access.MEMBER,
    "exports.job": Access.USER,
    "exports.download": Access.USER,
    "meetings.edit_minutes": Access.MEMBER,
    "meetings.approve_minutes": Access.MEMBER,
    "meetings.add_resolution": Access.MEMBER,
    "meetings.delete_resolution": Access.MEMBER,
    "meetings.add_task": Access.MEMBER,
    "meetings.toggle_task": Access.MEMBER,
    "meetings.delete_task": Access.MEMBER,
    "documents.index": Access.MEMBER,
    "documents.create": Access.MEMBER,
    "documents.edit": Access.MEMBER,
    "documents.show": Access.MEMBER,
    "documents.upload": Access.MEMBER,
    "documents.write": Access.MEMBER,
    "documents.job": Access.MEMBER,
    "documents.read": Access.PUBLIC,
    "documents.compare": Access.MEMBER,
    "documents.download": Access.PUBLIC,
    "documents.edit_version": Access.MEMBER,
    "documents.delete_version": Access.MEMBER,
    # Comment rounds: object checks on top (participants, the owner group's coordinators).
    "consultations.mine": Access.USER,
    "consultations.group_list": Access.PUBLIC,
    "consultations.new": Access.MEMBER,
    "consultations.detail": Access.MEMBER,
    "consultations.edit": Access.MEMBER,
    "consultations.delete": Access.MEMBER,
    "consultations.question_new": Access.MEMBER,
    "consultations.question_edit": Access.MEMBER,
    "consultations.question_delete": Access.MEMBER,
    "consultations.question_move": Access.MEMBER,
    "rounds.create": Access.MEMBER,
    "rounds.edit": Access.MEMBER,
    "rounds.show": Access.USER,
    "rounds.read": Access.USER,
    "rounds.comment": Access.USER,
    "rounds.reply": Access.USER,
    "rounds.edit_comment": Access.USER,
    "rounds.withdraw_comment": Access.USER,
    "rounds.settle": Access.MEMBER,
    "rounds.resolve": Access.MEMBER,
    "rounds.notify_outcomes": Access.MEMBER,
    "rounds.download": Access.USER,
    "rounds.outcomes": Access.COORDINATOR,
    "rounds.toggle_outcome": Access.COORDINATOR,
    "rounds.agenda": Access.MEMBER,
    "proposals.criteria": Access.COORDINATOR,
    "proposals.assessment": Access.USER,
    "proposals.assign_assessors": Access.MEMBER,
    "proposals.review": Access.USER,
    "proposals.verdict": Access.MEMBER,
    "proposals.assessment_print": Access.USER,
    "proposals.assessment_docx": Access.USER,
    "proposals.index": Access.MEMBER,
    "proposals.export": Access.MEMBER,
    "proposals.create": Access.MEMBER,
    "proposals.show": Access.MEMBER,
    "proposals.edit": Access.MEMBER,
    "proposals.change_state": Access.MEMBER,
    "proposals.signals": Access.MEMBER,
    "proposals.unlink_signal": Access.MEMBER,
    "proposals.funding_request": Access.MEMBER,
    "proposals.funding_opinion": Access.MEMBER,
    "proposals.plan_years": Access.MEMBER,
    "proposals.add_milestone": Access.MEMBER,
    "proposals.edit_milestone": Access.MEMBER,
    # Activity reports: reading pages are public with object checks (published versions only); writing
    # needs the group's coordinators or administrators on top of `members`.
    "reports.overview": Access.PUBLIC,
    "reports.index": Access.PUBLIC,
    "reports.show": Access.PUBLIC,
    "reports.download": Access.PUBLIC,
    "reports.save_draft": Access.MEMBER,
    "reports.generate": Access.MEMBER,
    "reports.job": Access.MEMBER,
    "reports.publish": Access.MEMBER,
    "reports.unpublish": Access.MEMBER,
    # Consultation results (c4): object checks on top (managers; the aggregate page also the group's
    # members once closed; no respondents page for an anonymous consultation).
    "consultations.results": Access.USER,
    "consultations.texts": Access.MEMBER,
    "consultations.add_tag": Access.MEMBER,
    "consultations.remove_tag": Access.MEMBER,
    "consultations.export": Access.MEMBER,
    "consultations.respondents": Access.MEMBER,
    # Consultations, participants' side: the key in /k/<key> is the secret; who may answer is checked on top.
    "consultations.answer": Access.TOKEN,
    "consultations.thanks": Access.TOKEN,
    "consultations.my_answer": Access.TOKEN,
    "consultations.delete_answer": Access.TOKEN,
    "consultations.privacy": Access.TOKEN,
}

ROLES = [None, "guest", "parent", "member", "coordinator", "admin"]


def _url_for_rule(rule) -> str:
    values = {}
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__
        values[name] = 999999 if converter in {"IntegerConverter"} else "x"
    if rule.endpoint == "static":
        values["filename"] = "css/app.css"
    return rule.build(values)[1]


def test_every_endpoint_has_an_expected_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(EXPECTED) == set(), "new routes need a declared access rule and an entry here"
    assert set(EXPECTED) - endpoints == set(), "EXPECTED lists routes that no longer exist"


def test_every_view_declares_the_expected_rule(app):
    for endpoint, expected in EXPECTED.items():
        declared = getattr(app.view_functions[endpoint], "access_rule", None)
        assert declared == expected, endpoint


def test_a_view_without_a_rule_is_denied(app, client):
    view = app.view_functions["main.index"]
    saved = view.access_rule
    try:
        del view.access_rule
        assert client.get("/").status_code == 403
    finally:
        view.access_rule = saved


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_access_rules_hold_for_every_role(app, client, login_as, role):
    if role:
        login_as(role)
    for rule in app.url_map.iter_rules():
        access = EXPECTED[rule.endpoint]
        allowed_roles = ALLOWED_ROLES[access]
        url = _url_for_rule(rule)
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        response = client.open(url, method=method)
        response.close()
        allowed = allowed_roles is None or (role is not None and role in allowed_roles)
        where = f"{role or 'anonymous'} {method} {url} ({rule.endpoint}, {access})"
        if allowed:
            assert response.status_code != 403, where
            assert "/sign-in?next" not in response.headers.get("Location", ""), where
        elif role is None:
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], where
        else:
            assert response.status_code == 403, where
