"""flask demo, flask create-admin."""

from sqlalchemy import func, select

from portal.models import Territory, User

DEMO_ADDRESSES = [
    "admin@demo.example", "koordinator@demo.example", "clen@demo.example", "rodic@demo.example",
]


def test_demo_creates_every_role_and_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "--password", "demo-heslo-123"])
    assert first.exit_code == 0, first.output
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.execute(select(func.count()).select_from(table)).scalar()
    second = runner.invoke(args=["demo", "--password", "demo-heslo-123"])
    assert second.exit_code == 0, second.output
    for table in db.metadata.sorted_tables:
        if table.name in {"audit_event", "outbox_message"}:
            continue
        count = db.session.execute(select(func.count()).select_from(table)).scalar()
        assert count == counts[table.name], table
    emails = set(db.session.scalars(select(User.email)))
    assert set(DEMO_ADDRESSES) <= emails
    roles = set(db.session.scalars(select(User.role)))
    assert roles >= {"admin", "coordinator", "member", "parent", "guest"}
    assert db.session.scalar(select(Territory.name)) == "MAP ORP Vzorov"


def test_demo_accounts_can_sign_in(app, db, client):
    from tests.test_auth import sign_in

    app.test_cli_runner().invoke(args=["demo", "--password", "demo-heslo-123"])
    for email in DEMO_ADDRESSES:
        fresh = app.test_client()
        assert sign_in(fresh, email, "demo-heslo-123").status_code == 302, email


def test_demo_prints_a_generated_password_when_none_is_given(app, db):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0
    line = next(x for x in result.output.splitlines() if "admin@demo.example" in x)
    assert len(line.split()[-1]) >= 10


def test_create_admin(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "Sprava@Obec.example", "--name", "Správce", "--territory",
              "MAP ORP Příkladov", "--password", "velmi-tajne-heslo"]
    )
    assert result.exit_code == 0, result.output
    admin = db.session.scalar(select(User).where(User.email == "sprava@obec.example"))
    assert admin.role == "admin"
    assert db.session.get(Territory, admin.territory_id).slug == "map-orp-prikladov"
    again = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "sprava@obec.example", "--name", "X",
              "--password", "velmi-tajne-heslo"]
    )
    assert again.exit_code != 0 and "already exists" in again.output


def test_create_admin_refuses_a_short_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["create-admin", "--email", "a@obec.example", "--name", "A", "--password", "kratke"]
    )
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
