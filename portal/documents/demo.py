"""Demo data of the documents area: a *Strategický rámec MAP* with two versions (the second rewording some
paragraphs, so the comparison and the carried anchors show); comment rounds add their rounds to it."""

from __future__ import annotations

from sqlalchemy import select

from portal.demo import DemoContext, demo_loader
from portal.documents import services
from portal.extensions import db
from portal.models import WorkingGroup
from portal.models.documents import Document, DocumentKind

DEMO_TITLE = "Strategický rámec MAP ORP Vzorov 2026–2028"

V1 = """# 1 Vize

Vzdělávání v ORP Vzorov je otevřené všem dětem a žákům bez rozdílu. Školy, rodiče a další partneři
spolupracují tak, aby každé dítě dostalo podporu, kterou potřebuje.

# 2 Priority a cíle

## 2.1 Priorita 1: Rovný přístup ke vzdělávání

Cílem je snížit rozdíly mezi školami v území v podílu žáků se speciálními vzdělávacími potřebami.

1. Podpora inkluze v mateřských a základních školách
2. Síť školních asistentů a speciálních pedagogů
3. Spolupráce škol se školskými poradenskými zařízeními

## 2.2 Priorita 2: Spolupráce s rodiči

Školy pravidelně informují rodiče a zapojují je do rozhodování o dění ve škole.

| Cíl | Indikátor |
| --- | --- |
| Snížit podíl předčasných odchodů ze vzdělávání | Počet žáků, kteří ukončili docházku bez vzdělání |
| Zvýšit účast rodičů na konzultacích | Počet rodičů na konzultacích za rok |

# 3 Řízení a aktualizace

Strategický rámec projednává pracovní skupina pro rovné příležitosti a schvaluje Řídicí výbor MAP.
"""

V2 = V1.replace(
    "Cílem je snížit rozdíly mezi školami v území v podílu žáků se speciálními vzdělávacími potřebami.",
    "Cílem je do roku 2028 snížit rozdíly mezi školami v území v podílu žáků se speciálními vzdělávacími "
    "potřebami a žáků ze sociálně znevýhodněného prostředí.",
).replace(
    "Školy pravidelně informují rodiče a zapojují je do rozhodování o dění ve škole.",
    "Školy pravidelně a srozumitelně informují rodiče, včetně rodičů s jiným mateřským jazykem, a zapojují "
    "je do rozhodování o dění ve škole.",
).replace(
    "3. Spolupráce škol se školskými poradenskými zařízeními",
    "3. Spolupráce škol se školskými poradenskými zařízeními\n"
    "4. Doučování a podpora žáků ohrožených neúspěchem",
)


@demo_loader
def load_documents(context: DemoContext) -> None:
    group = db.session.scalar(select(WorkingGroup).where(
        WorkingGroup.territory_id == context.territory.id, WorkingGroup.slug == "rovne-prilezitosti"))
    coordinator = context.users.get("coordinator")
    if group is None or coordinator is None:
        return
    exists = db.session.scalar(select(Document.id).where(Document.group_id == group.id,
                                                         Document.title == DEMO_TITLE))
    if exists is not None:
        return
    document = services.create_document(group, {
        "title": DEMO_TITLE, "kind": DocumentKind.STRATEGIC_FRAMEWORK.value,
        "description": "Priority a cíle MAP v oblasti rovných příležitostí ve vzdělávání.",
    }, actor=coordinator)
    services.write_version(document, markdown=V1, change_note="První návrh pro připomínkování.",
                           actor=coordinator)
    services.write_version(document, markdown=V2,
                           change_note="Zapracovány připomínky z pracovní skupiny: cíle priority 1 "
                                       "a komunikace s rodiči, nové opatření doučování.",
                           actor=coordinator)
