"""Factories for the comment round tests: a document version with sections and paragraphs (as rows), rounds
at chosen times, comments and settlements through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from portal.extensions import db
from portal.models.documents import Document, DocumentParagraph, DocumentSection, DocumentVersion
from portal.models.rounds import CommentRound, RoundGroup
from portal.rounds import services
from tests.conftest import add_member, make_group

_n = count(1)


def make_version(
    group, *, paragraphs: int = 6, per_section: int = 3, title: str = "Strategický rámec MAP", number: int = 1
) -> DocumentVersion:
    """A document of `group` with version `number` whose text has `paragraphs` paragraphs, `per_section` in
    each numbered section."""
    n = next(_n)
    document = Document(
        territory_id=group.territory_id, group_id=group.id, kind="strategic_framework", title=title
    )
    version = DocumentVersion(
        document=document,
        number=number,
        source_format="written",
        state="draft",
        import_state="ready",
        paragraph_count=paragraphs,
    )
    db.session.add_all([document, version])
    db.session.flush()
    section = None
    rows = []
    for i in range(paragraphs):
        if i % per_section == 0:
            section = DocumentSection(
                version_id=version.id,
                position=i // per_section,
                level=1,
                number=str(i // per_section + 1),
                title=f"Kapitola {i // per_section + 1}",
                anchor=f"s{n}-{i // per_section}",
            )
            db.session.add(section)
            db.session.flush()
        text = f"Odstavec {i + 1}: školy v území spolupracují na rovném přístupu ke vzdělávání."
        rows.append(
            DocumentParagraph(
                version_id=version.id,
                section_id=section.id,
                position=i,
                kind="paragraph",
                number=i % per_section + 1,
                html=f"<p>{text}</p>",
                text=text,
                anchor=f"a{n}x{i}",
            )
        )
    db.session.add_all(rows)
    db.session.commit()
    return version


def paragraphs_of(version) -> list[DocumentParagraph]:
    from sqlalchemy import select

    return list(
        db.session.scalars(
            select(DocumentParagraph)
            .where(DocumentParagraph.version_id == version.id)
            .order_by(DocumentParagraph.position)
        )
    )


def make_round(
    version,
    groups,
    *,
    opens: timedelta = timedelta(days=-1),
    closes: timedelta = timedelta(days=5),
    public: bool = False,
    comments_visible: bool = True,
    title: str = "Připomínky k v1",
) -> CommentRound:
    """A round as a row, open from now+`opens` to now+`closes` (either may lie in the past)."""
    now = datetime.now(UTC)
    round_ = CommentRound(
        version_id=version.id,
        title=title,
        opens_at=now + opens,
        closes_at=now + closes,
        public=public,
        comments_visible=comments_visible,
    )
    round_.groups = [RoundGroup(group_id=g.id) for g in groups]
    db.session.add(round_)
    db.session.commit()
    return round_


def close(round_: CommentRound) -> None:
    """Move the round's times into the past (it closed a minute ago)."""
    now = datetime.now(UTC)
    round_.opens_at, round_.closes_at = now - timedelta(days=10), now - timedelta(minutes=1)
    db.session.commit()


def comment(
    round_,
    paragraph,
    author,
    *,
    kind="fundamental",
    text="Doplnit spolupráci se školskými poradenskými zařízeními.",
    **fields,
):
    made = services.add_comment(
        round_, paragraph, services.CommentData(kind=kind, text=text, **fields), actor=author
    )
    db.session.commit()
    return made


__all__ = ["add_member", "make_group", "make_version", "make_round", "close", "comment", "paragraphs_of"]


def round_people(factories) -> dict:
    """A territory's group with a chair and a member (speaking for a school), and a document version of the
    group's: the cast of the comment-round tests."""
    territory = factories.territory()
    group = make_group(territory)
    chair = factories.user("member", territory=territory, name="Jana Předsedová")
    add_member(group, chair, role="chair")
    member = factories.user("member", territory=territory, name="Petr Člen", organisation="ZŠ Vzorov")
    add_member(group, member)
    return {"territory": territory, "group": group, "chair": chair, "member": member,
            "version": make_version(group)}
