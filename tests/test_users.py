"""People administration: list, deactivate with confirmation, role changes, audit log."""

from sqlalchemy import select

from portal.models import AuditEvent
from tests.conftest import csrf_token


def test_people_list_paginates_and_searches(client, login_as, factories, app):
    coordinator = login_as("coordinator")
    for n in range(30):
        factories.user("member", name=f"Člen {n:02d}", territory=coordinator.territory)
    first = client.get("/people/").get_data(as_text=True)
    assert "Strana 1 z 2" in first
    assert "Člen 00" in first
    found = client.get("/people/?q=%C4%8Clen 29").get_data(as_text=True)
    assert "Člen 29" in found and "Člen 28" not in found
    empty = client.get("/people/?q=nikdo-takovy").get_data(as_text=True)
    assert "nic nenašlo" in empty


def test_deactivation_needs_confirmation(client, login_as, factories, db):
    admin = login_as("admin")
    user = factories.user("member", territory=admin.territory)
    page = client.get(f"/people/{user.id}/deactivate")
    assert page.status_code == 200
    assert "Deaktivovat účet uživatele" in page.get_data(as_text=True)
    db.session.refresh(user)
    assert user.active
    token = csrf_token(client, f"/people/{user.id}/deactivate")
    client.post(f"/people/{user.id}/deactivate", data={"csrf_token": token})
    db.session.refresh(user)
    assert not user.active
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.deactivated"))


def test_admin_cannot_deactivate_themselves(client, login_as, db):
    admin = login_as("admin")
    token = csrf_token(client, f"/people/{admin.id}/deactivate")
    page = client.post(f"/people/{admin.id}/deactivate", data={"csrf_token": token}, follow_redirects=True)
    assert "Svůj vlastní účet deaktivovat nemůžete." in page.get_data(as_text=True)


def test_role_change_is_audited_and_signs_the_user_out(app, client, login_as, factories, db):
    admin = login_as("admin")
    user = factories.user("member", territory=admin.territory, email="povyseni@test.example")
    other = app.test_client()
    with other.session_transaction() as session:
        session["_user_id"] = user.get_id()
    token = csrf_token(client, f"/people/{user.id}")
    client.post(f"/people/{user.id}/role", data={"role": "coordinator", "csrf_token": token})
    db.session.refresh(user)
    assert user.role == "coordinator"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert event.details == {"old": "member", "new": "coordinator"}
    assert other.get("/account/").status_code == 302


def test_people_from_another_territory_are_not_visible(client, login_as, factories):
    login_as("coordinator")
    stranger = factories.user("member", territory=factories.territory("MAP ORP Jinde"))
    assert client.get(f"/people/{stranger.id}").status_code == 404


def test_audit_log_lists_events_for_admins(client, login_as, factories):
    login_as("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Auditní záznam" in page
