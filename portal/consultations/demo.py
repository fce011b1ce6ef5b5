"""Demo consultations of the demo equal-opportunities group (PS pro rovné příležitosti):

* a closed, anonymous consultation in October of the previous calendar year (so last year's annual report
  includes it) with 16 answers to every kind of question, some free texts tagged by the coordinator, and
  the browser and address hashes already cleared, as after `flask consultations purge`;
* an open, public, anonymous consultation that people without an account may answer, with no answers yet;
* the demo parent (rodic@demo.example) invited to the open one (a row only: the demo sends no mail).

Each part is found again by its group and title, so `flask demo` twice creates nothing twice.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal import clock
from portal.demo import DemoContext, demo_loader
from portal.extensions import db
from portal.groups import demo as groups_demo
from portal.models import User, WorkingGroup
from portal.models.consultations import (
    AnswerTag,
    Audience,
    Consultation,
    ConsultationAnswer,
    ConsultationInvitee,
    ConsultationResponse,
    Question,
    QuestionKind,
    QuestionOption,
)

# The groups' loader registers on import: importing it here keeps it ahead of ours, whoever imports first.
DEMO_GROUP_SLUG = groups_demo.GROUPS[0]["slug"]
CLOSED_TITLE = "Co pomáhá dětem ve škole a co jim chybí"
OPEN_TITLE = "Doučování a letní příměstské tábory"
PARENT_EMAIL = "rodic@demo.example"

CLOSED_INTRODUCTION = (
    "Pracovní skupina pro rovné příležitosti se ptá rodičů, co jejich dětem ve škole pomáhá a co chybí.\n\n"
    "Odpovědi jsou anonymní: nikdo, ani koordinátor, nepozná, kdo odpověděl. Výsledky projedná pracovní "
    "skupina a objeví se ve výroční zprávě."
)
OPEN_INTRODUCTION = (
    "Obec a školy plánují doučování během školního roku a příměstské tábory o prázdninách. Chceme vědět, "
    "co by vaší rodině opravdu pomohlo.\n\n"
    "Odpověď zabere asi dvě minuty. Je anonymní a nemusíte mít účet."
)

# (kind, text, help, required, options). No help that the questionnaire already gives: it says under every
# multiple choice that more than one can be ticked, and under every free text not to name children.
CLOSED_QUESTIONS = [
    (QuestionKind.SINGLE, "Kam chodí vaše dítě (nejstarší, pokud jich máte víc)?", None, True,
     ["Mateřská škola", "ZŠ, 1. stupeň", "ZŠ, 2. stupeň", "Jinam"]),
    (QuestionKind.MULTIPLE, "Co by vašemu dítěti pomohlo?", None, False,
     ["Doučování zdarma", "Delší provoz družiny", "Doprava do školy", "Asistent pedagoga ve třídě",
      "Kroužky bez poplatku"]),
    (QuestionKind.SCALE, "Jak snadno se domluvíte se školou?", "1 = velmi obtížně, 5 = velmi snadno", True,
     []),
    (QuestionKind.TEXT, "Co byste škole nebo obci vzkázali?",
     None, False, []),
]

# (single option index, multiple option indexes, scale value, free text or None, tags of the text)
CLOSED_ANSWERS = [
    (1, (0, 1), 4, "Družina končí v 15:30, ale do práce dojíždím a vrátím se až v pět.", ("družina",)),
    (2, (0,), 3, "Doučování by mělo být přímo ve škole, ne až ve městě.", ("doučování", "doprava")),
    (1, (2,), 2, "Autobus z Horního Vzorova jede ráno jen jeden a odpoledne žádný vhodný.", ("doprava",)),
    (0, (1, 4), 5, None, ()),
    (2, (0, 3), 2, "Ve třídě je přes dvacet dětí a paní učitelka nestíhá pomáhat těm, kdo nerozumí.",
     ("asistence",)),
    (1, (4,), 4, "Kroužky jsou drahé, za dvě děti to nezaplatíme.", ("poplatky",)),
    (3, (2,), 3, None, ()),
    (2, (0,), 1, "Škola nám píše jen přes aplikaci, kterou neumím používat. Lepší by byl telefon nebo "
     "schůzka.", ("komunikace",)),
    (1, (1,), 5, "Jsme spokojení, paní učitelka se nám ozve vždycky, když je potřeba.", ()),
    (0, (2, 4), 4, None, ()),
    (2, (0, 2), 2, "Na přijímačky se doučujeme sami, soukromé doučování je pro nás moc drahé.",
     ("doučování", "poplatky")),
    (1, (3,), 3, "Uvítali bychom, kdyby škola víc vysvětlovala, jak funguje podpora pro děti, které "
     "potřebují víc času.", ("komunikace",)),
    (1, (0, 1, 4), 4, None, ()),
    (2, (), 2, "Chybí místo, kde by se děti mohly po škole učit v klidu.", ("doučování",)),
    (0, (1,), 5, None, ()),
    (1, (2, 3), 3, "Na třídní schůzky chodíme rádi, jen kdyby byly později odpoledne.", ("komunikace",)),
]

OPEN_QUESTIONS = [
    (QuestionKind.SINGLE, "Využili byste o prázdninách příměstský tábor?", None, True,
     ["Ano, určitě", "Možná, podle ceny", "Ne"]),
    (QuestionKind.MULTIPLE, "Kdy by vám doučování vyhovovalo?", None, False,
     ["Hned po vyučování", "Později odpoledne", "V sobotu", "Online"]),
    (QuestionKind.SCALE, "Jak důležité je pro vás, aby doučování bylo zdarma?",
     "1 = vůbec, 5 = velmi", True, []),
    (QuestionKind.TEXT, "Chcete nám ještě něco sdělit?",
     None, False, []),
]


def _questionnaire(consultation: Consultation, spec) -> list[Question]:
    questions = []
    for position, (kind, text, help_text, required, options) in enumerate(spec):
        question = Question(consultation=consultation, position=position, kind=kind.value, text=text,
                            help=help_text, required=required)
        question.options = [QuestionOption(position=i, label=label) for i, label in enumerate(options)]
        questions.append(question)
    db.session.add_all(questions)
    db.session.flush()
    return questions


def _prague(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=clock.zone()).astimezone(UTC)


def _find(group: WorkingGroup, title: str) -> Consultation | None:
    return db.session.scalar(select(Consultation).where(Consultation.group_id == group.id,
                                                        Consultation.title == title))


def _closed(group: WorkingGroup, coordinator: User | None) -> None:
    if _find(group, CLOSED_TITLE) is not None:
        return
    year = clock.today().year - 1
    opens_at, closes_at = _prague(year, 10, 1, 8), _prague(year, 10, 31, 20)
    consultation = Consultation(
        group_id=group.id, title=CLOSED_TITLE, introduction=CLOSED_INTRODUCTION, opens_at=opens_at,
        closes_at=closes_at, audience=Audience.LINK.value, anonymous=True, allow_without_account=True,
        link_key=secrets.token_urlsafe(16), created_by_id=coordinator.id if coordinator else None,
        created_at=opens_at - timedelta(days=7), purged_at=closes_at + timedelta(days=1),
    )
    db.session.add(consultation)
    db.session.flush()
    single, multiple, scale, text = _questionnaire(consultation, CLOSED_QUESTIONS)
    for n, (choice, chosen, value, comment, tags) in enumerate(CLOSED_ANSWERS):
        # Anonymous: no user id; the browser and address hashes were cleared after the close.
        response = ConsultationResponse(consultation_id=consultation.id,
                                        submitted_at=opens_at + timedelta(days=1 + n, hours=n % 5))
        db.session.add(response)
        db.session.flush()
        answers = [ConsultationAnswer(response_id=response.id, question_id=single.id,
                                      option_id=single.options[choice].id),
                   ConsultationAnswer(response_id=response.id, question_id=scale.id, scale_value=value)]
        answers += [ConsultationAnswer(response_id=response.id, question_id=multiple.id,
                                       option_id=multiple.options[i].id) for i in chosen]
        if comment:
            free = ConsultationAnswer(response_id=response.id, question_id=text.id, text=comment)
            free.tags = [AnswerTag(label=tag, created_by_id=coordinator.id if coordinator else None,
                                   created_at=closes_at + timedelta(days=3)) for tag in tags]
            answers.append(free)
        db.session.add_all(answers)
        if consultation.frozen_at is None:
            consultation.frozen_at = response.submitted_at
    db.session.flush()


def _open(group: WorkingGroup, coordinator: User | None) -> Consultation:
    consultation = _find(group, OPEN_TITLE)
    if consultation is not None:
        return consultation
    now = clock.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    consultation = Consultation(
        group_id=group.id, title=OPEN_TITLE, introduction=OPEN_INTRODUCTION,
        opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=19), audience=Audience.PUBLIC.value,
        anonymous=True, allow_without_account=True, link_key=secrets.token_urlsafe(16),
        created_by_id=coordinator.id if coordinator else None,
    )
    db.session.add(consultation)
    db.session.flush()
    _questionnaire(consultation, OPEN_QUESTIONS)
    return consultation


@demo_loader
def load_consultations(context: DemoContext) -> None:
    group = db.session.scalar(select(WorkingGroup).where(WorkingGroup.territory_id == context.territory.id,
                                                         WorkingGroup.slug == DEMO_GROUP_SLUG))
    if group is None:
        return
    coordinator = context.users.get("coordinator")
    _closed(group, coordinator)
    consultation = _open(group, coordinator)
    parent = db.session.scalar(select(User).where(User.email == PARENT_EMAIL))
    invited = db.session.scalar(select(ConsultationInvitee).where(
        ConsultationInvitee.consultation_id == consultation.id, ConsultationInvitee.email == PARENT_EMAIL))
    if invited is None:
        db.session.add(ConsultationInvitee(
            consultation_id=consultation.id, email=PARENT_EMAIL, user_id=parent.id if parent else None,
            invited_by_id=coordinator.id if coordinator else None))
    db.session.flush()
