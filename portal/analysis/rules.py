"""The rule catalogue (SPEC section 2): each rule turns the data into flags, *signals to look into*.

A flag is never a finding of segregation or discrimination (those are findings of law): every message says
"signál k prověření". A rule whose inputs are missing for a unit does not guess: it records a
:class:`Skip` with the reason.

Severity (configurable, defaults in :mod:`portal.analysis.defaults`): ``warning`` for the rules where the
guide (sections II.3–II.8) says an intervention plan is needed ("beavatkozási terv", "beavatkozás tervezése
szükséges"), ``info`` for the informational indicators (``high_disadvantage_school``,
``high_disadvantage_territory``, ``gym_outflow_high``).

Comparisons: "more than"/"above" is strict (>), "at or above" is ≥; both allow 1e-12 for float noise so
that a difference of exactly 25 pp is not flagged by "more than 25 pp" because 0.30 − 0.05 > 0.25 in binary.
Pooled shares and rates ("the pooled share of its type in the territory") are Σnumerator/Σdenominator over
the sites of one (school_year, territory, school_type) that report the inputs; sites that do not report
them are skipped and named in ``skipped``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .config import RULE_ORDER, RuleConfig, RuleSet
from .model import SCHOOL_TYPE_LABELS, SCHOOL_TYPES, Dataset, School, SchoolClass

EPS = 1e-12
SIGNAL = "Signál k prověření"


# ------------------------------------------------------------------------------------------ flag model


@dataclass(frozen=True, slots=True)
class Flag:
    """One flag (SPEC section 4). Location keys that do not apply to the flag's unit are ``None``.

    Site flags carry territory, school_type and school_id; class flags add grade and class_name;
    territory flags carry only the territory. The ``unit_*``/``counterpart_*`` fields are not part of the
    JSON: they let the UI group pair flags and show the site at the other end.
    """

    rule: str
    severity: str
    school_year: str
    territory: str | None
    school_type: str | None
    school_id: str | None
    grade: int | None
    class_name: str | None
    value: float
    threshold: float
    message: str
    school_name: str | None = field(default=None, compare=False)
    unit_label: str | None = field(default=None, compare=False)
    unit_share: float | None = field(default=None, compare=False)
    counterpart_id: str | None = field(default=None, compare=False)
    counterpart_label: str | None = field(default=None, compare=False)
    counterpart_share: float | None = field(default=None, compare=False)
    #: The message as facts: which sentence (``message_id``, usually the rule id) and its values (numbers
    #: unformatted, names as they are), so a reader's language can render it; ``message`` is the Czech text.
    message_id: str = field(default="", compare=False)
    params: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def identity(self) -> str:
        """A key that stays the same when the same problem recurs in another school year.

        Built from rule, territory, school_type, school_id, grade and class_name (empty for ``None``),
        joined by ``|``; neither the school year nor the value nor the counterpart enters it. Example:
        ``disadvantaged_spread_classes|ORP Vzorov|ZS|102001003|6|6.B``.
        """
        return flag_identity(
            self.rule, self.territory, self.school_type, self.school_id, self.grade, self.class_name
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "school_year": self.school_year,
            "territory": self.territory,
            "school_type": self.school_type,
            "school_id": self.school_id,
            "grade": self.grade,
            "class_name": self.class_name,
            "value": self.value,
            "threshold": self.threshold,
            "message": self.message,
        }

    def sort_key(self) -> tuple[object, ...]:
        return (
            self.school_year,
            self.territory or "",
            RULE_ORDER.get(self.rule, len(RULE_ORDER)),
            _type_order(self.school_type),
            self.school_id or "",
            self.grade or 0,
            self.class_name or "",
        )


def flag_identity(
    rule: str,
    territory: str | None,
    school_type: str | None,
    school_id: str | None,
    grade: int | None,
    class_name: str | None,
) -> str:
    """The year-independent identity of a flag (see :attr:`Flag.identity`); usable on stored JSON too."""
    parts = (rule, territory, school_type, school_id, grade, class_name)
    return "|".join("" if p is None else str(p) for p in parts)


@dataclass(frozen=True, slots=True)
class Skip:
    """A unit a rule could not evaluate, and why (SPEC: "it never guesses")."""

    rule: str
    school_year: str
    territory: str | None
    school_id: str | None
    reason: str

    def to_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "school_year": self.school_year,
            "territory": self.territory,
            "school_id": self.school_id,
            "reason": self.reason,
        }

    def sort_key(self) -> tuple[object, ...]:
        return (
            self.school_year,
            self.territory or "",
            RULE_ORDER.get(self.rule, len(RULE_ORDER)),
            self.school_id or "",
            self.reason,
        )


# -------------------------------------------------------------------------------------------- formatting


def _decimal(value: float) -> str:
    """One decimal place with a Czech decimal comma, without a trailing ",0": 54.54 → "54,5", 25.0 → "25"."""
    text = f"{value:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    if text == "-0":
        text = "0"
    return text.replace(".", ",")


def pct(share: float) -> str:
    """0.5454 → "54,5 %" (Czech decimal comma)."""
    return f"{_decimal(share * 100)} %"


def pp(diff: float) -> str:
    """0.483 → "48,3 p. b." (percentage points)."""
    return f"{_decimal(diff * 100)} p. b."


def money(amount: float) -> str:
    return f"{amount:,.0f}".replace(",", "\u00a0") + " Kč"


def number(value: float) -> str:
    return _decimal(value)


def type_label(school_type: str | None) -> str:
    return SCHOOL_TYPE_LABELS.get(school_type or "", school_type or "")


def _type_order(school_type: str | None) -> int:
    return SCHOOL_TYPES.index(school_type) if school_type in SCHOOL_TYPES else len(SCHOOL_TYPES)


def _q(name: str) -> str:
    return f"„{name}“"


def _exceeds(value: float, threshold: float) -> bool:
    return value > threshold + EPS


def _at_least(value: float, threshold: float) -> bool:
    return value >= threshold - EPS


# ----------------------------------------------------------------------------------------------- context


@dataclass(slots=True)
class Context:
    """The dataset grouped once for all rules. Lists are sorted by school_id (or class_name)."""

    schools: list[School]
    groups: dict[tuple[str, str, str], list[School]]
    territories: dict[tuple[str, str], list[School]]
    sites: dict[tuple[str, str], School]
    grades: dict[tuple[str, str, int], list[SchoolClass]]
    rules: RuleSet
    flags: list[Flag] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    @classmethod
    def build(cls, dataset: Dataset, rules: RuleSet) -> Context:
        schools = sorted(dataset.schools, key=lambda s: (s.school_year, s.territory, s.school_id))
        groups: dict[tuple[str, str, str], list[School]] = defaultdict(list)
        territories: dict[tuple[str, str], list[School]] = defaultdict(list)
        for s in schools:
            groups[(s.school_year, s.territory, s.school_type)].append(s)
            territories[(s.school_year, s.territory)].append(s)
        grades: dict[tuple[str, str, int], list[SchoolClass]] = defaultdict(list)
        for c in sorted(dataset.classes, key=lambda c: (c.school_year, c.school_id, c.grade, c.class_name)):
            grades[(c.school_year, c.school_id, c.grade)].append(c)
        sites = {(s.school_year, s.school_id): s for s in schools}
        return cls(schools, dict(groups), dict(territories), sites, dict(grades), rules)

    def flag(
        self,
        cfg: RuleConfig,
        site: School | None,
        value: float,
        message: str,
        *,
        school_year: str | None = None,
        territory: str | None = None,
        grade: int | None = None,
        class_name: str | None = None,
        unit_label: str | None = None,
        unit_share: float | None = None,
        counterpart_id: str | None = None,
        counterpart_label: str | None = None,
        counterpart_share: float | None = None,
        message_id: str | None = None,
        params: dict[str, object] | None = None,
    ) -> None:
        """Record a flag of a site (``site`` given), a class (plus ``grade``/``class_name``) or a territory
        (``site`` None, ``school_year`` and ``territory`` given)."""
        self.flags.append(
            Flag(
                rule=cfg.id,
                severity=cfg.severity,
                school_year=site.school_year if site else school_year or "",
                territory=site.territory if site else territory,
                school_type=site.school_type if site else None,
                school_id=site.school_id if site else None,
                grade=grade,
                class_name=class_name,
                value=value,
                threshold=cfg.threshold,
                message=message,
                school_name=site.school_name if site else None,
                unit_label=unit_label if unit_label is not None else (site.school_name if site else None),
                unit_share=unit_share,
                counterpart_id=counterpart_id,
                counterpart_label=counterpart_label,
                counterpart_share=counterpart_share,
                message_id=message_id or cfg.id,
                params=params or {},
            )
        )

    def skip(
        self,
        cfg: RuleConfig,
        site: School | None,
        reason: str,
        *,
        year: str = "",
        territory: str | None = None,
    ) -> None:
        self.skipped.append(
            Skip(
                rule=cfg.id,
                school_year=site.school_year if site else year,
                territory=site.territory if site else territory,
                school_id=site.school_id if site else None,
                reason=reason,
            )
        )

    def typed_groups(self, cfg: RuleConfig) -> Iterable[tuple[tuple[str, str, str], list[School]]]:
        return ((key, sites) for key, sites in self.groups.items() if key[2] in cfg.school_types)

    def typed_sites(self, cfg: RuleConfig) -> Iterable[School]:
        return (s for s in self.schools if s.school_type in cfg.school_types)

    def with_pupils(self, cfg: RuleConfig, sites: Iterable[School]) -> list[School]:
        """Sites with pupils; a site with none has no shares, so it is skipped with a reason."""
        kept = []
        for s in sites:
            if s.pupils > 0:
                kept.append(s)
            else:
                self.skip(cfg, s, "škola nemá žádné žáky (pupils = 0), podíly nelze spočítat")
        return kept


def _pooled(
    sites: Sequence[School], numerator: Callable[[School], int], denominator: Callable[[School], int]
) -> float | None:
    total = sum(denominator(s) for s in sites)
    return sum(numerator(s) for s in sites) / total if total else None


# ----------------------------------------------------------------------------------------------- rules


def _spread_message_pair(
    label: str,
    share: float,
    other_label: str,
    other_share: float,
    diff: float,
    cfg: RuleConfig,
    where: str,
    section: str,
) -> str:
    return (
        f"Podíl znevýhodněných žáků {where} {label} ({pct(share)}) "
        f"se liší od {other_label} ({pct(other_share)}) "
        f"o {pp(diff)}, tedy o více než {pp(cfg.threshold)} {SIGNAL} (příručka {section})."
    )


def _pairwise_extremes(
    units: Sequence[tuple[float, object]],
) -> tuple[tuple[float, object], tuple[float, object]]:
    """The units with the lowest and highest share (first in input order on ties)."""
    low = min(units, key=lambda u: u[0])
    high = max(units, key=lambda u: u[0])
    return low, high


def disadvantaged_spread_schools(ctx: Context, cfg: RuleConfig) -> None:
    """Sites of one type in a territory whose disadvantaged shares differ by more than 25 pp (guide II.3).

    ``pairwise`` (the guide's "from each other"): every site in a pair that differs by more than the
    threshold is flagged; ``value`` is its largest difference and the message names the site at the other
    end. ``vs_average``: a site whose share exceeds the pooled share of its type in the territory by more
    than the threshold.
    """
    for (_year, territory, school_type), all_sites in ctx.typed_groups(cfg):
        sites = ctx.with_pupils(cfg, all_sites)
        if len(sites) < 2:
            continue
        units = [(s.disadvantaged / s.pupils, s) for s in sites]
        if cfg.mode == "vs_average":
            pooled = _pooled(sites, lambda s: s.disadvantaged, lambda s: s.pupils)
            assert pooled is not None
            for share, s in units:
                if _exceeds(share - pooled, cfg.threshold):
                    ctx.flag(
                        cfg,
                        s,
                        share - pooled,
                        f"Podíl znevýhodněných žáků ve škole {_q(s.school_name)} ({pct(share)}) je o "
                        f"{pp(share - pooled)} vyšší než souhrnný podíl škol typu {type_label(school_type)} "
                        f"v území {territory} ({pct(pooled)}), tedy o více než {pp(cfg.threshold)} "
                        f"{SIGNAL} (příručka II.3).",
                        unit_share=share,
                        message_id="spread_schools_average",
                        params={"school": s.school_name, "share": share, "diff": share - pooled,
                                "type": school_type, "territory": territory, "pooled": pooled,
                                "threshold_pp": cfg.threshold},
                    )
            continue
        (low, low_site), (high, high_site) = _pairwise_extremes(units)
        for share, s in units:
            other_share, other = (low, low_site) if share - low >= high - share else (high, high_site)
            diff = abs(share - other_share)
            if _exceeds(diff, cfg.threshold):
                assert isinstance(other, School)
                ctx.flag(
                    cfg,
                    s,
                    diff,
                    _spread_message_pair(
                        _q(s.school_name),
                        share,
                        f"školy {_q(other.school_name)}",
                        other_share,
                        diff,
                        cfg,
                        "ve škole",
                        "II.3",
                    ),
                    unit_share=share,
                    counterpart_id=other.school_id,
                    counterpart_label=other.school_name,
                    counterpart_share=other_share,
                    message_id="spread_schools_pair",
                    params={"school": s.school_name, "share": share, "other": other.school_name,
                            "other_share": other_share, "diff": diff, "threshold_pp": cfg.threshold},
                )


def disadvantaged_spread_classes(ctx: Context, cfg: RuleConfig) -> None:
    """Classes of one grade of a site whose disadvantaged shares differ by more than 25 pp (guide II.6).

    Streamed classes (e.g. extended mathematics) are compared like any other class: the guide names them
    explicitly. Modes as in :func:`disadvantaged_spread_schools`, within the grade.
    """
    for (year, school_id, grade), all_classes in ctx.grades.items():
        site = ctx.sites.get((year, school_id))
        if site is None or site.school_type not in cfg.school_types:
            continue
        classes = []
        for c in all_classes:
            if c.pupils > 0:
                classes.append(c)
            else:
                ctx.skip(cfg, site, f"třída {c.class_name} nemá žádné žáky (pupils = 0)")
        if len(classes) < 2:
            continue
        units = [(c.disadvantaged / c.pupils, c) for c in classes]
        where = f"{grade}. ročníku školy {_q(site.school_name)}"
        if cfg.mode == "vs_average":
            pooled = sum(c.disadvantaged for c in classes) / sum(c.pupils for c in classes)
            for share, c in units:
                if _exceeds(share - pooled, cfg.threshold):
                    ctx.flag(
                        cfg,
                        site,
                        share - pooled,
                        f"Podíl znevýhodněných žáků ve třídě {c.class_name}{_stream(c)} ({pct(share)}) je o "
                        f"{pp(share - pooled)} vyšší než podíl celého "
                        f"{where} ({pct(pooled)}), tedy o více než "
                        f"{pp(cfg.threshold)} {SIGNAL} (příručka II.6).",
                        grade=grade,
                        class_name=c.class_name,
                        unit_label=c.class_name,
                        unit_share=share,
                        message_id="spread_classes_average",
                        params={"class": f"{c.class_name}{_stream(c)}", "share": share,
                                "diff": share - pooled,
                                "grade": grade, "school": site.school_name, "pooled": pooled,
                                "threshold_pp": cfg.threshold},
                    )
            continue
        (low, low_class), (high, high_class) = _pairwise_extremes(units)
        for share, c in units:
            other_share, other = (low, low_class) if share - low >= high - share else (high, high_class)
            diff = abs(share - other_share)
            if _exceeds(diff, cfg.threshold):
                assert isinstance(other, SchoolClass)
                ctx.flag(
                    cfg,
                    site,
                    diff,
                    _spread_message_pair(
                        f"{c.class_name}{_stream(c)}",
                        share,
                        f"třídy {other.class_name}{_stream(other)}",
                        other_share,
                        diff,
                        cfg,
                        f"v {where} ve třídě",
                        "II.6",
                    ),
                    grade=grade,
                    class_name=c.class_name,
                    unit_label=c.class_name,
                    unit_share=share,
                    counterpart_id=other.class_name,
                    counterpart_label=other.class_name,
                    counterpart_share=other_share,
                    message_id="spread_classes_pair",
                    params={"class": f"{c.class_name}{_stream(c)}", "share": share,
                            "other": f"{other.class_name}{_stream(other)}", "other_share": other_share,
                            "diff": diff, "grade": grade, "school": site.school_name,
                            "threshold_pp": cfg.threshold},
                )


def _stream(c: SchoolClass) -> str:
    return f" ({c.stream})" if c.stream else ""


def _territory_share(
    ctx: Context, cfg: RuleConfig, column: str, label: str, section: str, strict: bool = True
) -> None:
    for (year, territory), sites in ctx.territories.items():
        reporting = []
        for s in sites:
            if getattr(s, column) is None:
                ctx.skip(cfg, s, f"chybí {column}; škola není započtena do podílu území")
            else:
                reporting.append(s)
        total = sum(s.pupils for s in reporting)
        if not total:
            continue
        share = sum(getattr(s, column) for s in reporting) / total
        fires = _exceeds(share, cfg.threshold) if strict else _at_least(share, cfg.threshold)
        if fires:
            comparison = "více než" if strict else "alespoň"
            ctx.flag(
                cfg,
                None,
                share,
                f"Podíl {label} všemi dětmi a žáky v území {territory} je {pct(share)}, {comparison} "
                f"{pct(cfg.threshold)}. {SIGNAL} (příručka {section}).",
                school_year=year,
                territory=territory,
                unit_label=territory,
                unit_share=share,
                params={"territory": territory, "share": share, "threshold": cfg.threshold},
            )


def sen_share_territory(ctx: Context, cfg: RuleConfig) -> None:
    """Share of pupils with special educational needs among "
    "all pupils of the territory above 7 % (guide II.3)."""
    _territory_share(ctx, cfg, "sen", "žáků se speciálními vzdělávacími potřebami (SVP) mezi", "II.3")


def mild_id_share_territory(ctx: Context, cfg: RuleConfig) -> None:
    """Share of pupils with mild intellectual disability in the territory above 3 % (guide II.3)."""
    _territory_share(ctx, cfg, "mild_id", "žáků s lehkým mentálním postižením (LMP) mezi", "II.3")


def high_disadvantage_territory(ctx: Context, cfg: RuleConfig) -> None:
    """Disadvantaged share of the territory at or above 25 % (guide II.3, §105(2): funding priority; info)."""
    _territory_share(
        ctx, cfg, "disadvantaged", "znevýhodněných žáků mezi", "II.3, § 105 odst. 2", strict=False
    )


def _site_share(ctx: Context, cfg: RuleConfig, column: str, label: str, section: str) -> None:
    for s in ctx.with_pupils(cfg, ctx.typed_sites(cfg)):
        count = getattr(s, column)
        if count is None:
            ctx.skip(cfg, s, f"chybí {column}")
            continue
        share = count / s.pupils
        if _exceeds(share, cfg.threshold):
            ctx.flag(
                cfg,
                s,
                share,
                f"Podíl {label} ve škole {_q(s.school_name)} je {pct(share)}, více než {pct(cfg.threshold)}. "
                f"{SIGNAL} (příručka {section}).",
                unit_share=share,
                params={"school": s.school_name, "share": share, "threshold": cfg.threshold},
            )


def sen_share_school(ctx: Context, cfg: RuleConfig) -> None:
    """Share of pupils with special educational needs in a site above 7 % (guide II.6)."""
    _site_share(ctx, cfg, "sen", "žáků se speciálními vzdělávacími potřebami (SVP)", "II.6")


def mild_id_share_school(ctx: Context, cfg: RuleConfig) -> None:
    """Share of pupils with mild intellectual disability in a site above 5 % (guide II.6)."""
    _site_share(ctx, cfg, "mild_id", "žáků s lehkým mentálním postižením (LMP)", "II.6")


def dropout_gap(ctx: Context, cfg: RuleConfig) -> None:
    """A site's dropout rate above the pooled rate of its type in the territory by more than 25 %, relative
    (guide II.4)."""
    for (_year, territory, school_type), all_sites in ctx.typed_groups(cfg):
        sites = []
        for s in ctx.with_pupils(cfg, all_sites):
            if s.dropouts is None:
                ctx.skip(cfg, s, "chybí dropouts")
            else:
                sites.append(s)
        pooled = _pooled(sites, lambda s: s.dropouts or 0, lambda s: s.pupils)
        if not pooled:
            continue  # no dropouts anywhere: nothing to compare against
        for s in sites:
            rate = (s.dropouts or 0) / s.pupils
            gap = (rate - pooled) / pooled
            if _exceeds(gap, cfg.threshold):
                ctx.flag(
                    cfg,
                    s,
                    gap,
                    "Podíl žáků, kteří předčasně odešli nebo opakovali "
                    f"ročník, je ve škole {_q(s.school_name)} "
                    f"{pct(rate)}, o {pct(gap)} více než souhrnně ve školách typu {type_label(school_type)} "
                    f"v území {territory} ({pct(pooled)}); práh je "
                    f"{pct(cfg.threshold)}. {SIGNAL} (příručka II.4).",
                    unit_share=rate,
                    params={"school": s.school_name, "rate": rate, "gap": gap, "type": school_type,
                            "territory": territory, "pooled": pooled, "threshold": cfg.threshold},
                )


def further_ed_gap(ctx: Context, cfg: RuleConfig) -> None:
    """A site's matura continuation rate (leavers_matura/leavers) below the pooled rate of its type in the
    territory by more than 25 %, relative (guide II.4)."""
    for (_year, territory, school_type), all_sites in ctx.typed_groups(cfg):
        sites = []
        for s in all_sites:
            if s.leavers is None or s.leavers_matura is None:
                ctx.skip(cfg, s, "chybí leavers nebo leavers_matura")
            elif s.leavers == 0:
                ctx.skip(cfg, s, "škola nemá vycházející žáky (leavers = 0)")
            else:
                sites.append(s)
        pooled = _pooled(sites, lambda s: s.leavers_matura or 0, lambda s: s.leavers or 0)
        if not pooled:
            continue
        for s in sites:
            rate = (s.leavers_matura or 0) / (s.leavers or 1)
            gap = (pooled - rate) / pooled
            if _exceeds(gap, cfg.threshold):
                ctx.flag(
                    cfg,
                    s,
                    gap,
                    f"V maturitních oborech pokračuje {pct(rate)} "
                    f"vycházejících žáků školy {_q(s.school_name)}, "
                    f"o {pct(gap)} méně než souhrnně ve školách typu {type_label(school_type)} v území "
                    f"{territory} ({pct(pooled)}); práh je {pct(cfg.threshold)}. {SIGNAL} (příručka II.4).",
                    unit_share=rate,
                    params={"school": s.school_name, "rate": rate, "gap": gap, "type": school_type,
                            "territory": territory, "pooled": pooled, "threshold": cfg.threshold},
                )


def competence_gap(ctx: Context, cfg: RuleConfig) -> None:
    """A site's testing score below the national reference, or below the best site of its type in the
    territory, by more than 25 %, relative (guide II.4). The national reference is a setting
    (``[references.competence_score]``); without it only the comparison with the best site runs."""
    reference = ctx.rules.reference("competence_score")
    for (year, territory, school_type), all_sites in ctx.typed_groups(cfg):
        sites = []
        for s in all_sites:
            if s.competence_score is None:
                ctx.skip(cfg, s, "chybí competence_score")
            else:
                sites.append(s)
        if not sites:
            continue
        if reference.value is None:
            ctx.skip(
                cfg,
                None,
                f"národní referenční hodnota výsledků testování není nastavena; školy typu "
                f"{type_label(school_type)} se porovnávají jen s nejlepší školou v území",
                year=year,
                territory=territory,
            )
        best = max(sites, key=lambda s: s.competence_score or 0.0)
        best_score = best.competence_score or 0.0
        for s in sites:
            score = s.competence_score or 0.0
            reasons = []
            gaps = []
            params: dict[str, object] = {"school": s.school_name, "score": score, "threshold": cfg.threshold}
            if reference.value:
                gap = (reference.value - score) / reference.value
                if _exceeds(gap, cfg.threshold):
                    gaps.append(gap)
                    params.update(reference_gap=gap, reference=reference.value,
                                  reference_source=reference.source or "",
                                  reference_date=str(reference.date or ""))
                    source = f", {reference.source}" if reference.source else ""
                    date = f", {reference.date}" if reference.date else ""
                    reasons.append(
                        f"o {pct(gap)} pod národní referenční hodnotou "
                        f"({number(reference.value)}{source}{date})"
                    )
            if best_score > 0:
                gap = (best_score - score) / best_score
                if _exceeds(gap, cfg.threshold):
                    gaps.append(gap)
                    params.update(best_gap=gap, type=school_type, best=best.school_name,
                                  best_score=best_score)
                    reasons.append(
                        f"o {pct(gap)} pod výsledkem nejlepší školy typu {type_label(school_type)} v území, "
                        f"{_q(best.school_name)} ({number(best_score)})"
                    )
            if gaps:
                ctx.flag(
                    cfg,
                    s,
                    max(gaps),
                    f"Výsledek testování školy {_q(s.school_name)} "
                    f"({number(score)}) je {' a '.join(reasons)}; "
                    f"práh je {pct(cfg.threshold)}. {SIGNAL} (příručka II.4).",
                    counterpart_id=best.school_id if best is not s else None,
                    counterpart_label=best.school_name if best is not s else None,
                    params=params,
                )


def funding_gap(ctx: Context, cfg: RuleConfig) -> None:
    """A site that gets more than 10 % less per pupil than another site of its type in the territory **and**
    has the higher disadvantaged share; the less-funded site is flagged (guide II.5).

    The gap is relative to the better-funded site: (f_other − f_site) / f_other. ``value`` is the largest
    such gap and the message names that site. Sorting by share makes this O(n log n).
    """
    for (_year, _territory, _school_type), all_sites in ctx.typed_groups(cfg):
        sites = []
        for s in ctx.with_pupils(cfg, all_sites):
            if s.funding_per_pupil is None:
                ctx.skip(cfg, s, "chybí funding_per_pupil")
            else:
                sites.append(s)
        ordered = sorted(sites, key=lambda s: s.disadvantaged / s.pupils)  # stable: ties keep school_id order
        best: School | None = None  # the best-funded site among those with a strictly lower share
        i = 0
        while i < len(ordered):
            share = ordered[i].disadvantaged / ordered[i].pupils
            j = i
            while j < len(ordered) and ordered[j].disadvantaged / ordered[j].pupils == share:
                j += 1
            for s in ordered[i:j]:
                if best is None or not best.funding_per_pupil:
                    continue
                funding = s.funding_per_pupil or 0.0
                gap = (best.funding_per_pupil - funding) / best.funding_per_pupil
                if _exceeds(gap, cfg.threshold):
                    other_share = best.disadvantaged / best.pupils
                    ctx.flag(
                        cfg,
                        s,
                        gap,
                        f"Škola {_q(s.school_name)} dostává od zřizovatele "
                        f"{money(funding)} na žáka, o {pct(gap)} "
                        f"méně než škola {_q(best.school_name)} "
                        f"({money(best.funding_per_pupil)}), přestože má "
                        f"vyšší podíl znevýhodněných žáků ({pct(share)} proti {pct(other_share)}); práh je "
                        f"{pct(cfg.threshold)}. {SIGNAL} (příručka II.5).",
                        unit_share=share,
                        counterpart_id=best.school_id,
                        counterpart_label=best.school_name,
                        counterpart_share=other_share,
                        params={"school": s.school_name, "funding": funding, "gap": gap,
                                "other": best.school_name, "other_funding": best.funding_per_pupil,
                                "share": share, "other_share": other_share, "threshold": cfg.threshold},
                    )
            for s in ordered[i:j]:
                if best is None or (s.funding_per_pupil or 0.0) > (best.funding_per_pupil or 0.0):
                    best = s
            i = j


def disadvantaged_matura_gap(ctx: Context, cfg: RuleConfig) -> None:
    """The focal group's matura continuation rate below the site's overall rate by more than 20 %, relative
    (guide II.8)."""
    columns = ("leavers", "leavers_matura", "disadvantaged_leavers", "disadvantaged_leavers_matura")
    for s in ctx.typed_sites(cfg):
        missing = [c for c in columns if getattr(s, c) is None]
        if missing:
            ctx.skip(cfg, s, f"chybí {', '.join(missing)}")
            continue
        leavers = s.leavers or 0
        focal = s.disadvantaged_leavers or 0
        if leavers == 0:
            ctx.skip(cfg, s, "škola nemá vycházející žáky (leavers = 0)")
            continue
        if focal == 0:
            ctx.skip(cfg, s, "škola nemá znevýhodněné vycházející žáky (disadvantaged_leavers = 0)")
            continue
        overall = (s.leavers_matura or 0) / leavers
        if overall == 0:
            continue
        rate = (s.disadvantaged_leavers_matura or 0) / focal
        gap = (overall - rate) / overall
        if _exceeds(gap, cfg.threshold):
            ctx.flag(
                cfg,
                s,
                gap,
                "Ze znevýhodněných vycházejících žáků školy "
                f"{_q(s.school_name)} pokračuje v maturitních oborech "
                f"{pct(rate)} ({s.disadvantaged_leavers_matura} z {focal}), o {pct(gap)} méně než ze všech "
                f"vycházejících školy ({pct(overall)}); práh je "
                f"{pct(cfg.threshold)}. {SIGNAL} (příručka II.8).",
                unit_share=rate,
                params={"school": s.school_name, "rate": rate, "count": s.disadvantaged_leavers_matura,
                        "focal": focal, "gap": gap, "overall": overall, "threshold": cfg.threshold},
            )


def small_segregated_school(ctx: Context, cfg: RuleConfig) -> None:
    """A site with fewer pupils than the limit (120) whose disadvantaged share is above the pooled share of
    its type in the territory by more than 25 pp (guide II.3: small segregated primary schools)."""
    limit = cfg.max_pupils or 0
    for (_year, territory, school_type), all_sites in ctx.typed_groups(cfg):
        sites = ctx.with_pupils(cfg, all_sites)
        pooled = _pooled(sites, lambda s: s.disadvantaged, lambda s: s.pupils)
        if pooled is None:
            continue
        for s in sites:
            share = s.disadvantaged / s.pupils
            if s.pupils < limit and _exceeds(share - pooled, cfg.threshold):
                ctx.flag(
                    cfg,
                    s,
                    share - pooled,
                    f"Malá škola {_q(s.school_name)} ({s.pupils} "
                    f"žáků, méně než {limit}) má podíl znevýhodněných "
                    f"žáků {pct(share)}, o {pp(share - pooled)} více než souhrnně školy typu "
                    f"{type_label(school_type)} v území {territory} "
                    f"({pct(pooled)}); práh je {pp(cfg.threshold)} "
                    f"{SIGNAL} (příručka II.3).",
                    unit_share=share,
                    params={"school": s.school_name, "pupils": s.pupils, "limit": limit, "share": share,
                            "diff": share - pooled, "type": school_type, "territory": territory,
                            "pooled": pooled, "threshold_pp": cfg.threshold},
                )


def high_disadvantage_school(ctx: Context, cfg: RuleConfig) -> None:
    """Disadvantaged share of a site at or above 40 % (guide II.3; informational)."""
    for s in ctx.with_pupils(cfg, ctx.typed_sites(cfg)):
        share = s.disadvantaged / s.pupils
        if _at_least(share, cfg.threshold):
            ctx.flag(
                cfg,
                s,
                share,
                f"Podíl znevýhodněných žáků ve škole {_q(s.school_name)} je {pct(share)}, alespoň "
                f"{pct(cfg.threshold)}. Informativní {SIGNAL.lower()} (příručka II.3).",
                unit_share=share,
                params={"school": s.school_name, "share": share, "threshold": cfg.threshold},
            )


def gym_outflow_high(ctx: Context, cfg: RuleConfig) -> None:
    """Share of grade-5 pupils leaving for multi-year gymnasia at or above 10 % (Czech selectivity indicator;
    informational)."""
    national = ctx.rules.reference("gym_entry_national").value
    for s in ctx.typed_sites(cfg):
        if s.grade5_pupils is None or s.gym_outflow is None:
            ctx.skip(cfg, s, "chybí grade5_pupils nebo gym_outflow")
            continue
        if s.grade5_pupils == 0:
            ctx.skip(cfg, s, "škola nemá žáky 5. ročníku (grade5_pupils = 0)")
            continue
        rate = s.gym_outflow / s.grade5_pupils
        if _at_least(rate, cfg.threshold):
            context = f"; celostátně přibližně {pct(national)} ročníku" if national is not None else ""
            ctx.flag(
                cfg,
                s,
                rate,
                f"Na víceletá gymnázia odchází {s.gym_outflow} z {s.grade5_pupils} žáků 5. ročníku školy "
                f"{_q(s.school_name)} ({pct(rate)}), alespoň {pct(cfg.threshold)}{context}. "
                f"Informativní {SIGNAL.lower()} (selektivita přechodu na víceletá gymnázia).",
                unit_share=rate,
                message_id="gym_outflow_high" if national is None else "gym_outflow_high_national",
                params={"school": s.school_name, "outflow": s.gym_outflow, "grade5": s.grade5_pupils,
                        "rate": rate, "threshold": cfg.threshold,
                        **({"national": national} if national is not None else {})},
            )


RULES: dict[str, Callable[[Context, RuleConfig], None]] = {
    "disadvantaged_spread_schools": disadvantaged_spread_schools,
    "disadvantaged_spread_classes": disadvantaged_spread_classes,
    "sen_share_territory": sen_share_territory,
    "mild_id_share_territory": mild_id_share_territory,
    "sen_share_school": sen_share_school,
    "mild_id_share_school": mild_id_share_school,
    "dropout_gap": dropout_gap,
    "further_ed_gap": further_ed_gap,
    "competence_gap": competence_gap,
    "funding_gap": funding_gap,
    "disadvantaged_matura_gap": disadvantaged_matura_gap,
    "small_segregated_school": small_segregated_school,
    "high_disadvantage_school": high_disadvantage_school,
    "high_disadvantage_territory": high_disadvantage_territory,
    "gym_outflow_high": gym_outflow_high,
}
assert list(RULES) == list(RULE_ORDER), "RULES must follow the catalogue order"


def apply_rules(dataset: Dataset, rules: RuleSet) -> tuple[list[Flag], list[Skip]]:
    """Run every enabled rule; flags and skips come back in the documented order (see ``sort_key``)."""
    ctx = Context.build(dataset, rules)
    for rule_id, run in RULES.items():
        cfg = rules[rule_id]
        if not cfg.enabled:
            continue
        if rule_id == "disadvantaged_spread_classes" and not dataset.has_classes:
            continue
        run(ctx, cfg)
    ctx.flags.sort(key=Flag.sort_key)
    ctx.skipped.sort(key=Skip.sort_key)
    return ctx.flags, ctx.skipped
