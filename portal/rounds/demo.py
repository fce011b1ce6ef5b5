"""Demo data of comment rounds on the demo *Strategický rámec MAP*: a closed and settled round on v1 (comments
of both types, every default outcome, one rozpor still open, replies; v2 took in the accepted ones) and an
open round on v2. Times are relative to now, so the closed round stays closed and the open one open.

Last year (for the annual report of last year): the group's annual action plan for last year, written in
February, and its comment round in March, settled in April: 4 fundamental comments (one accepted, three
rozpory: one agreed after discussion, one passed to the Řídicí výbor, one unresolved) and 3 recommendations
(partly accepted, noted, explained)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from portal import clock
from portal.demo import DemoContext, demo_loader
from portal.documents import services as documents
from portal.documents.demo import DEMO_TITLE
from portal.documents.services import DocumentError
from portal.extensions import db
from portal.models import User, WorkingGroup
from portal.models.documents import (
    Document,
    DocumentKind,
    DocumentParagraph,
    DocumentVersion,
    QuotedPassage,
    VersionState,
)
from portal.models.rounds import Comment, CommentRound, RoundGroup, Settlement

SETTLED_TITLE = "Připomínky pracovní skupiny k v1"
OPEN_TITLE = "Veřejné připomínkování v2"

# (author e-mail, organisation, words of the paragraph, type, text, proposed wording, outcome, reason)
SETTLED_COMMENTS = [
    (
        "ppp@demo.example",
        "PPP Vzorov",
        "Cílem je snížit rozdíly",
        "fundamental",
        "Cíl nemá termín ani nezmiňuje žáky ze sociálně znevýhodněného prostředí.",
        "Cílem je do roku 2028 snížit rozdíly … a žáků ze sociálně znevýhodněného prostředí.",
        "accepted",
        None,
    ),
    (
        "ospod@demo.example",
        "OSPOD Vzorov",
        "Školy pravidelně informují rodiče",
        "recommendation",
        "Doplnit rodiče s jiným mateřským jazykem; informace mají být srozumitelné.",
        None,
        "partly_accepted",
        "Doplněno o srozumitelnost a jiný mateřský jazyk; tlumočení zajistí školy samy.",
    ),
    (
        "reditelka.zs@demo.example",
        "ZŠ Vzorov, Komenského 12",
        "Síť školních asistentů",
        "fundamental",
        "Požadujeme, aby MAP financoval asistenty pedagoga všem školám v území.",
        None,
        "not_accepted",
        "MAP asistenty nefinancuje; jejich financování je věcí krajského normativu a šablon.",
    ),
    (
        "nizkoprah@demo.example",
        "Nízkoprahový klub Vzorek",
        "Spolupráce škol se školskými",
        "recommendation",
        "Chybí doučování žáků ohrožených neúspěchem, které klub dnes dělá.",
        "4. Doučování a podpora žáků ohrožených neúspěchem",
        "accepted",
        None,
    ),
    (
        "starostka@demo.example",
        "Město Vzorov",
        "Strategický rámec projednává",
        "recommendation",
        "Kdo je v Řídicím výboru za zřizovatele?",
        None,
        "explained",
        "Složení Řídicího výboru je v jeho statutu, který je přílohou MAP.",
    ),
    (
        "ddm@demo.example",
        "DDM Vzorov",
        "Vzdělávání v ORP Vzorov je otevřené",
        "recommendation",
        "Vizi podporujeme.",
        None,
        "noted",
        "Bereme na vědomí, děkujeme.",
    ),
    (
        "reditel.ms@demo.example",
        "MŠ Vzorov, Lipová",
        "Podpora inkluze",
        "fundamental",
        "Mateřské školy nemají kapacitu na inkluzi bez dalšího personálu; opatření vypustit.",
        None,
        "not_accepted",
        "Opatření je v souladu se zásadou rovného přístupu; personál řeší priorita 1, bod 2.",
    ),
]
OPEN_COMMENTS = [
    (
        "rodic.a@demo.example",
        None,
        "Školy pravidelně a srozumitelně",
        "recommendation",
        "Prosíme o informace i přes aplikaci, kterou školy používají, nejen na nástěnce.",
        None,
    ),
    (
        "asistentka@demo.example",
        "ZŠ Horní Vzorov",
        "Doučování a podpora",
        "fundamental",
        "Doučování musí být zdarma, jinak se k němu nedostanou ti, kdo ho potřebují nejvíc.",
        "4. Bezplatné doučování a podpora žáků ohrožených neúspěchem",
    ),
]


def _paragraph(version: DocumentVersion, words: str) -> DocumentParagraph | None:
    return db.session.scalar(
        select(DocumentParagraph)
        .where(DocumentParagraph.version_id == version.id, DocumentParagraph.text.contains(words))
        .order_by(DocumentParagraph.position)
        .limit(1)
    )


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _move(version: DocumentVersion, state: str, actor: User) -> None:
    try:
        documents.set_version_state(version, state, seen_version=version.version, actor=actor)
    except DocumentError:
        pass  # already there (or beyond): demo data never forces a state
    db.session.flush()


def _comment(
    round_: CommentRound,
    version: DocumentVersion,
    email: str,
    organisation: str | None,
    words: str,
    kind: str,
    text: str,
    wording: str | None,
    when,
) -> Comment | None:
    author, paragraph = _user(email), _paragraph(version, words)
    if author is None or paragraph is None:
        return None
    passage = QuotedPassage(
        paragraph_id=paragraph.id,
        quote=words,
        start=paragraph.text.find(words),
        end=paragraph.text.find(words) + len(words),
    )
    made = Comment(
        round_id=round_.id,
        paragraph_id=paragraph.id,
        passage=passage,
        kind=kind,
        text=text,
        proposed_wording=wording,
        author_id=author.id,
        organisation=organisation,
        created_at=when,
    )
    db.session.add_all([passage, made])
    return made


@demo_loader
def load_rounds(context: DemoContext) -> None:
    document = db.session.scalar(
        select(Document).where(Document.territory_id == context.territory.id, Document.title == DEMO_TITLE)
    )
    coordinator = context.users.get("coordinator")
    if document is None or coordinator is None or len(document.versions) < 2:
        return
    v1, v2 = document.versions[0], document.versions[1]
    if (
        db.session.scalar(
            select(CommentRound.id).where(
                CommentRound.version_id == v1.id, CommentRound.title == SETTLED_TITLE
            )
        )
        is not None
    ):
        return
    now = clock.now()
    settled = CommentRound(
        version_id=v1.id,
        title=SETTLED_TITLE,
        opens_at=now - timedelta(days=45),
        closes_at=now - timedelta(days=25),
        comments_visible=True,
        created_by_id=coordinator.id,
        instructions="Připomínkujte k odstavcům; u zásadních připomínek uveďte návrh znění.",
        opening_notified_at=now - timedelta(days=45),
        closing_notified_at=now - timedelta(days=27),
        outcomes_notified_at=now - timedelta(days=15),
    )
    settled.groups = [RoundGroup(group_id=document.group_id)]
    db.session.add(settled)
    db.session.flush()
    _move(v1, VersionState.IN_ROUND.value, coordinator)
    for n, (email, organisation, words, kind, text, wording, outcome, reason) in enumerate(SETTLED_COMMENTS):
        made = _comment(
            settled, v1, email, organisation, words, kind, text, wording, now - timedelta(days=44 - n)
        )
        if made is None:
            continue
        db.session.flush()
        settlement = Settlement(
            comment_id=made.id,
            outcome=outcome,
            accepted=outcome == "accepted",
            reason=reason,
            settled_by_id=coordinator.id,
            settled_at=now - timedelta(days=20),
        )
        if email == "reditel.ms@demo.example":  # the rozpor that was resolved: passed to the Řídicí výbor
            settlement.resolution, settlement.resolution_note = "steering_committee", "Projedná ŘV na jaře."
            settlement.resolved_by_id, settlement.resolved_at = coordinator.id, now - timedelta(days=18)
        db.session.add(settlement)
        if email == "reditelka.zs@demo.example":
            db.session.add(
                Comment(
                    round_id=settled.id,
                    paragraph_id=made.paragraph_id,
                    parent_id=made.id,
                    text="Rozumím, ale bez asistentů inkluze nefunguje.",
                    author_id=_user("asistentka@demo.example").id
                    if _user("asistentka@demo.example")
                    else None,
                    organisation="ZŠ Horní Vzorov",
                    created_at=now - timedelta(days=30),
                )
            )
    _move(v1, VersionState.SETTLED.value, coordinator)
    open_round = CommentRound(
        version_id=v2.id,
        title=OPEN_TITLE,
        opens_at=now - timedelta(days=3),
        closes_at=now + timedelta(days=11),
        public=True,
        comments_visible=True,
        created_by_id=coordinator.id,
        opening_notified_at=now - timedelta(days=3),
        instructions="Veřejné připomínkování: připomínkovat mohou i rodiče s účtem.",
    )
    open_round.groups = [RoundGroup(group_id=document.group_id)]
    db.session.add(open_round)
    db.session.flush()
    _move(v2, VersionState.IN_ROUND.value, coordinator)
    for n, (email, organisation, words, kind, text, wording) in enumerate(OPEN_COMMENTS):
        _comment(open_round, v2, email, organisation, words, kind, text, wording, now - timedelta(days=2 - n))
    db.session.flush()


# ---- last year ---------------------------------------------------------------------------------------

PRAGUE = ZoneInfo("Europe/Prague")
PLAN_TEXT = """# 1 Úvod

Roční akční plán popisuje aktivity škol a partnerů v ORP Vzorov na jeden rok.

# 2 Aktivity spolupráce

Doučování žáků ohrožených školním neúspěchem zajistí školy v odpoledních hodinách.

Adaptační pobyty pro žáky 6. ročníků připraví školy s pedagogicko-psychologickou poradnou.

Kurz češtiny pro rodiče žáků s odlišným mateřským jazykem povede MAS Vzorovsko.

# 3 Školní aktivity

Školy zapojí asistenty pedagoga do práce se skupinami žáků.

Školní poradenská pracoviště nabídnou konzultace rodičům jednou měsíčně.

# 4 Financování

Aktivity budou financovány z OP JAK a z rozpočtů obcí.
"""

# (author e-mail, organisation, words of the paragraph, type, text, outcome, reason, dispute resolution)
LAST_YEAR_COMMENTS = [
    ("ppp@demo.example", "PPP Vzorov", "Doučování žáků ohrožených", "fundamental",
     "Doučování musí být pro rodiny bezplatné.", "accepted", None, None),
    ("reditelka.zs@demo.example", "ZŠ Vzorov, Komenského 12", "Adaptační pobyty", "fundamental",
     "Pobyty musí mít školy zaplacené dopředu, jinak je nezvládnou.", "not_accepted",
     "Financování se řeší v kapitole 4.", "agreed"),
    ("asistentka@demo.example", "ZŠ Horní Vzorov", "asistenty pedagoga", "fundamental",
     "Plán musí uvést počet asistentů pro každou školu.", "explained",
     "Počty asistentů určuje doporučení poradenského zařízení, ne akční plán.", "steering_committee"),
    ("ddm@demo.example", "DDM Vzorov", "Školní poradenská pracoviště", "fundamental",
     "Konzultace mají být i v DDM, ne jen ve školách.", "not_accepted",
     "Poradenská pracoviště jsou součástí škol.", None),
    ("ospod@demo.example", "OSPOD Vzorov", "Kurz češtiny", "recommendation",
     "Doplnit hlídání dětí během kurzu.", "partly_accepted", "Hlídání zajistí DDM podle kapacity.", None),
    ("starostka@demo.example", "Město Vzorov", "rozpočtů obcí", "recommendation",
     "Uvést podíl jednotlivých obcí.", "noted", None, None),
    ("reditel.ms@demo.example", "MŠ Vzorov, Lipová", "Roční akční plán popisuje", "recommendation",
     "Zahrnout také mateřské školy.", "explained", "Mateřské školy jsou zahrnuty v kapitole 3.", None),
]


def _last_year(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime.combine(date(year, month, day), time(hour), tzinfo=PRAGUE).astimezone(UTC)


@demo_loader
def load_last_year_round(context: DemoContext) -> None:
    group = db.session.scalar(select(WorkingGroup).where(
        WorkingGroup.territory_id == context.territory.id, WorkingGroup.slug == "rovne-prilezitosti"))
    coordinator = context.users.get("coordinator")
    if group is None or coordinator is None:
        return
    year = clock.today().year - 1
    title = f"Roční akční plán MAP ORP Vzorov {year}"
    if db.session.scalar(select(Document.id).where(Document.group_id == group.id, Document.title == title)):
        return
    document = documents.create_document(group, {
        "kind": DocumentKind.ACTION_PLAN.value, "title": title,
        "description": "Aktivity škol a partnerů na rok; připomínkuje PS pro rovné příležitosti.",
    }, actor=coordinator)
    version = documents.write_version(document, markdown=PLAN_TEXT, change_note="Návrh k připomínkám.",
                                      actor=coordinator)
    document.created_at = version.created_at = _last_year(year, 2, 12)
    round_ = CommentRound(
        version_id=version.id, title="Připomínky k ročnímu akčnímu plánu",
        opens_at=_last_year(year, 3, 3), closes_at=_last_year(year, 3, 24), comments_visible=True,
        created_by_id=coordinator.id, created_at=_last_year(year, 2, 26),
        instructions="Připomínkujte k odstavcům; u zásadních připomínek uveďte návrh znění.",
        opening_notified_at=_last_year(year, 3, 3), closing_notified_at=_last_year(year, 3, 22),
        outcomes_notified_at=_last_year(year, 4, 30),
    )
    round_.groups = [RoundGroup(group_id=group.id)]
    db.session.add(round_)
    db.session.flush()
    _move(version, VersionState.IN_ROUND.value, coordinator)
    for n, row in enumerate(LAST_YEAR_COMMENTS):
        email, organisation, words, kind, text, outcome, reason, resolution = row
        made = _comment(round_, version, email, organisation, words, kind, text, None,
                        _last_year(year, 3, 5 + 2 * n))
        if made is None:
            continue
        db.session.flush()
        settlement = Settlement(comment_id=made.id, outcome=outcome, accepted=outcome == "accepted",
                                reason=reason, settled_by_id=coordinator.id,
                                settled_at=_last_year(year, 4, 7))
        if resolution is not None:
            settlement.resolution = resolution
            settlement.resolution_note = ("Dohodnuto na jednání PS v květnu." if resolution == "agreed"
                                          else "Předáno Řídicímu výboru k rozhodnutí.")
            settlement.resolved_by_id, settlement.resolved_at = coordinator.id, _last_year(year, 4, 28)
        db.session.add(settlement)
    _move(version, VersionState.SETTLED.value, coordinator)
    db.session.flush()
