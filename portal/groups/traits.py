"""Sensitive traits a member may declare about themselves (GDPR Art. 9 special-category data).

The consent texts are versioned and stored verbatim with each declaration, in the language the member read
them in; they are not in the translation catalogue because a stored consent must never change afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.models.groups import Category, TraitCode
from portal.models.people import Role

CONSENT_VERSION = "2026-1"


@dataclass(frozen=True)
class TraitDefinition:
    """A declarable trait. It counts only among a group's members of `categories` (see
    `services.trait_counts`), so it is offered only to people who are there or whose account is for one of
    `roles`: anyone else would hand over special-category data that serves no purpose."""

    code: str
    label: object
    consent: dict[str, str]
    categories: frozenset[str] = frozenset({Category.PARENT.value})
    roles: frozenset[str] = frozenset({Role.PARENT.value})


TRAITS: dict[str, TraitDefinition] = {
    TraitCode.SUPPORT_NEEDS_PARENT.value: TraitDefinition(
        TraitCode.SUPPORT_NEEDS_PARENT.value,
        _l("I am a parent of a child with support needs"),
        {
            "cs": (
                "Souhlasím, aby portál pracovní skupiny uchovával údaj, že jsem rodičem (zákonným zástupcem) "
                "dítěte nebo žáka s potřebou podpůrných opatření. Jde o údaj o zdraví podle čl. 9 GDPR. "
                "Údaj slouží jen k tomu, aby skupina věděla, zda jsou v ní rodiče těchto dětí zastoupeni; "
                "nikdo další (ani koordinátor, ani správce) ho u mého jména neuvidí, skupina vidí jen počet, "
                "a je-li menší než 3, jen „< 3“. Souhlas mohu kdykoli odvolat na této stránce; údaj se tím "
                "nenávratně smaže."
            ),
            "en": (
                "I agree that the working group's portal keeps the fact that I am a parent (legal guardian) "
                "of a child or pupil with support needs. This is data concerning health under Art. 9 GDPR. "
                "It serves only to let the group know whether parents of such children are represented; "
                "nobody else (neither a coordinator nor an administrator) sees it next to my name, the group "
                "sees only a count, and below 3 only “< 3”. I can withdraw this consent at any time on this "
                "page; the information is then erased for good."
            ),
        },
    ),
    TraitCode.ROMA_PARENT.value: TraitDefinition(
        TraitCode.ROMA_PARENT.value,
        _l("I am a Roma parent"),
        {
            "cs": (
                "Souhlasím, aby portál pracovní skupiny uchovával údaj, že jsem romský rodič. Jde o údaj "
                "o etnickém původu podle čl. 9 GDPR. Údaj slouží jen k tomu, aby skupina věděla, zda jsou "
                "v ní romští rodiče zastoupeni; nikdo další (ani koordinátor, ani správce) ho u mého jména "
                "neuvidí, skupina vidí jen počet, a je-li menší než 3, jen „< 3“. Souhlas mohu kdykoli "
                "odvolat na této stránce; údaj se tím nenávratně smaže."
            ),
            "en": (
                "I agree that the working group's portal keeps the fact that I am a Roma parent. This is "
                "data revealing ethnic origin under Art. 9 GDPR. It serves only to let the group know "
                "whether Roma parents are represented; nobody else (neither a coordinator nor an "
                "administrator) sees it next to my name, the group sees only a count, and below 3 only “<"
                " 3”. I can withdraw this consent at any time on this page; the information is then "
                "erased for good."
            ),
        },
    ),
}


def consent_text(code: str, locale: str) -> str:
    texts = TRAITS[code].consent
    return texts.get(locale, texts["cs"])
