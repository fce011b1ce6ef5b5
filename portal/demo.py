"""Demo data: a fictional territory "MAP ORP Vzorov" with one account per role.

Each area appends a loader to DEMO_LOADERS; every loader must be idempotent (running `flask demo` twice
creates nothing twice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from portal.accounts.passwords import hash_password
from portal.accounts.services import get_or_create_territory
from portal.extensions import db
from portal.models import Role, Territory, User

DEMO_TERRITORY = ("MAP ORP Vzorov", "vzorov")

DEMO_USERS = [
    ("admin@demo.example", "Alena Správcová", Role.ADMIN, "MAS Vzorovsko"),
    ("koordinator@demo.example", "Karel Koordinátor", Role.COORDINATOR, "MAS Vzorovsko"),
    ("clen@demo.example", "Marie Členová", Role.MEMBER, "ZŠ Vzorov, Komenského 12"),
    ("rodic@demo.example", "Radek Rodič", Role.PARENT, None),
    ("host@demo.example", "Hana Hostová", Role.GUEST, "OSPOD Vzorov"),
]


@dataclass
class DemoContext:
    territory: Territory
    users: dict[str, User]
    password: str


DemoLoader = Callable[[DemoContext], None]
DEMO_LOADERS: list[DemoLoader] = []


def demo_loader(func: DemoLoader) -> DemoLoader:
    DEMO_LOADERS.append(func)
    return func


def seed_demo(password: str) -> DemoContext:
    """Create (or bring up to date) the demo territory and accounts; returns what was made."""
    territory = get_or_create_territory(*DEMO_TERRITORY)
    users: dict[str, User] = {}
    for email, name, role, organisation in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name, role=role.value, organisation=organisation,
                        territory_id=territory.id)
            db.session.add(user)
        user.password_hash = hash_password(password)
        user.active = True
        users[role.value] = user
    db.session.flush()
    context = DemoContext(territory, users, password)
    _load_areas()
    for loader in DEMO_LOADERS:
        loader(context)
        db.session.flush()
    return context


def _load_areas() -> None:
    """Import the modules that register demo loaders (each area keeps its demo data beside its code)."""
    from importlib import import_module

    for name in DEMO_MODULES:
        import_module(name)


# Areas add the module that holds their @demo_loader functions here.
DEMO_MODULES: list[str] = [
    "portal.groups.demo",
    "portal.meetings.demo",
    "portal.documents.demo",
    "portal.rounds.demo",
    # Keep last: it puts a flag on a demo meeting's agenda, so the groups and meetings demos must run first.
    "portal.analysis_portal.demo",
    # After the analysis demo: the adopted demo proposal responds to its demo signal.
    "portal.proposals.demo",
    # After the proposals demo: assessments of its proposals.
    "portal.proposals.assessment_demo",
    # After the groups demo: consultations of the demo equal-opportunities group.
    "portal.consultations.demo",
    # After the proposals and meetings demos: last year's funding opinions of PS pro financování.
    "portal.proposals.funding_demo",
    # Last: last year's activity report is gathered from everything the loaders above made.
    "portal.reports.demo",
]
