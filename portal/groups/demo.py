"""Demo working groups of MAP ORP Vzorov: a balanced equal-opportunities group and a small financing group.

Fictional people have @demo.example addresses and no password (they cannot sign in). Dates are relative to
the day the demo is first loaded; some memberships ended during the last year so the timeline moves.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.demo import DemoContext, demo_loader
from portal.extensions import db
from portal.groups.traits import CONSENT_VERSION, consent_text
from portal.models import Membership, Role, SensitiveTrait, User, WorkingGroup
from portal.models.groups import GroupKind, TraitCode

# email, name, account role, organisation
PEOPLE = [
    ("starostka@demo.example", "Jana Starostová", Role.MEMBER, "Město Vzorov"),
    ("mistostarosta@demo.example", "Pavel Obecný", Role.MEMBER, "Obec Horní Vzorov"),
    ("reditelka.zs@demo.example", "Ivana Ředitelová", Role.MEMBER, "ZŠ Vzorov, Komenského 12"),
    ("reditel.ms@demo.example", "Tomáš Školka", Role.MEMBER, "MŠ Vzorov, Lipová"),
    ("asistentka@demo.example", "Lucie Asistentová", Role.MEMBER, "ZŠ Horní Vzorov"),
    ("ddm@demo.example", "Petr Volnočasový", Role.MEMBER, "DDM Vzorov"),
    ("nizkoprah@demo.example", "Eva Klubová", Role.MEMBER, "Nízkoprahový klub Vzorek"),
    ("ppp@demo.example", "Zuzana Poradková", Role.MEMBER, "PPP Vzorov"),
    ("ospod@demo.example", "Martin Sociální", Role.MEMBER, "OSPOD Vzorov"),
    ("rodic.a@demo.example", "Alžběta Rodičová", Role.PARENT, None),
    ("rodic.b@demo.example", "Josef Otcovský", Role.PARENT, None),
    ("ucetni@demo.example", "Věra Rozpočtová", Role.MEMBER, "MAS Vzorovsko"),
    ("byvaly.ucitel@demo.example", "Ondřej Odešlý", Role.MEMBER, "ZŠ Vzorov, Komenského 12"),
    ("byvala.vychovatelka@demo.example", "Dana Bývalá", Role.MEMBER, "ŠD ZŠ Vzorov"),
    ("byvaly.expert@demo.example", "Filip Minulý", Role.MEMBER, "Vzorovská univerzita třetího věku"),
]

# email, category, group role, joined days ago, left days ago (None: still a member), organisation override
EQUAL_OPPORTUNITIES = [
    ("koordinator@demo.example", "expert", "coordinator", 900, None, "MAS Vzorovsko"),
    ("starostka@demo.example", "founder", "chair", 900, None, None),
    ("mistostarosta@demo.example", "founder", "member", 500, None, None),
    ("reditelka.zs@demo.example", "director", "member", 900, None, None),
    ("reditel.ms@demo.example", "director", "member", 200, None, None),
    ("clen@demo.example", "teacher", "member", 700, None, None),
    ("asistentka@demo.example", "teacher", "member", 120, None, None),
    ("ddm@demo.example", "youth_worker", "member", 900, None, None),
    ("nizkoprah@demo.example", "youth_worker", "member", 300, None, None),
    ("ppp@demo.example", "counselling", "member", 600, None, None),
    ("ospod@demo.example", "expert", "member", 400, None, None),
    ("rodic@demo.example", "parent", "member", 650, None, "SRPŠ při ZŠ Vzorov"),
    ("rodic.a@demo.example", "parent", "member", 250, None, None),
    ("rodic.b@demo.example", "parent", "member", 90, None, None),
    # Ended during the last year, so the timeline moves.
    ("byvaly.ucitel@demo.example", "teacher", "member", 900, 150, None),
    ("byvala.vychovatelka@demo.example", "youth_worker", "member", 800, 240, None),
    ("byvaly.expert@demo.example", "expert", "member", 700, 60, None),
]

FINANCING = [
    ("koordinator@demo.example", "expert", "coordinator", 800, None, "MAS Vzorovsko"),
    ("ucetni@demo.example", "expert", "chair", 800, None, None),
    ("starostka@demo.example", "founder", "member", 800, None, None),
    ("reditelka.zs@demo.example", "director", "member", 500, None, None),
    ("ddm@demo.example", "youth_worker", "member", 300, None, None),
]

GROUPS = [
    dict(
        slug="rovne-prilezitosti",
        name="PS pro rovné příležitosti",
        kind=GroupKind.EQUAL_OPPORTUNITIES.value,
        purpose="Hledá příčiny nerovností ve vzdělávání na území ORP Vzorov a navrhuje opatření, "
                "posuzuje soulad aktivit akčního plánu se zásadou rovného přístupu ke vzdělávání.",
        description="Pracovní skupina sdružuje zástupce zřizovatelů, ředitele, pedagogy, pracovníky "
                    "s dětmi a mládeží, poradenská zařízení, další odborníky a rodiče.\n\n"
                    "Schází se nejméně čtyřikrát ročně. Jednání jsou otevřena hostům po domluvě "
                    "s koordinátorem.",
        members=EQUAL_OPPORTUNITIES,
    ),
    dict(
        slug="financovani",
        name="PS pro financování",
        kind=GroupKind.FINANCING.value,
        purpose="Hledá zdroje financování aktivit akčního plánu a spolupracuje s PS pro rovné příležitosti.",
        description="Pracovní skupina pro financování posuzuje náklady a udržitelnost navržených aktivit.",
        members=FINANCING,
    ),
]

# Fictional parents who declared "parent of a child with support needs" (so the group shows "< 3").
SUPPORT_NEEDS_PARENTS = ["rodic.a@demo.example"]


def _user(email: str, context: DemoContext) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        name, role, organisation = next((n, r, o) for e, n, r, o in PEOPLE if e == email)
        user = User(email=email, name=name, role=role.value, organisation=organisation,
                    territory_id=context.territory.id, password_hash=None)
        db.session.add(user)
        db.session.flush()
    return user


@demo_loader
def load_groups(context: DemoContext) -> None:
    today = clock.today()
    for spec in GROUPS:
        group = db.session.scalar(select(WorkingGroup).where(
            WorkingGroup.territory_id == context.territory.id, WorkingGroup.slug == spec["slug"]))
        if group is None:
            group = WorkingGroup(territory_id=context.territory.id, slug=spec["slug"], name=spec["name"],
                                 kind=spec["kind"], purpose=spec["purpose"], description=spec["description"])
            db.session.add(group)
            db.session.flush()
        for email, category, role, joined_ago, left_ago, organisation in spec["members"]:
            user = _user(email, context)
            exists = db.session.scalar(select(Membership.id).where(
                Membership.group_id == group.id, Membership.user_id == user.id))
            if exists is None:
                db.session.add(Membership(
                    group_id=group.id, user_id=user.id, category=category, role=role,
                    organisation=organisation or user.organisation,
                    joined_on=today - timedelta(days=joined_ago),
                    left_on=None if left_ago is None else today - timedelta(days=left_ago),
                ))
    for email in SUPPORT_NEEDS_PARENTS:
        user = _user(email, context)
        code = TraitCode.SUPPORT_NEEDS_PARENT.value
        if db.session.scalar(select(SensitiveTrait.id).where(
                SensitiveTrait.user_id == user.id, SensitiveTrait.code == code)) is None:
            db.session.add(SensitiveTrait(user_id=user.id, code=code, consent_text_version=CONSENT_VERSION,
                                          consent_text=consent_text(code, "cs")))
    db.session.flush()
