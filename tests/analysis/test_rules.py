"""The rule catalogue (SPEC section 2) on the sample data and on small hand-made cases."""

from __future__ import annotations

import pytest

from portal.analysis import (
    RulesError,
    analyse,
    default_rules,
    group_flags,
    load_rules,
    read_path,
    read_upload,
    rules_from_toml,
)
from portal.analysis.config import RULE_SPECS

from .builders import CLASS_HEADER, SAMPLE, SCHOOL_HEADER, klass, school, to_csv

KOMENSKEHO, NADRAZNI, JIH, PODHRADI, LHOTA, HORNI_VES, SPECIALNI = (f"10200100{i}" for i in range(1, 8))

# Every sample year shows the same pattern (the data change only a little between years). Each flag was
# checked by hand against the CSV (2025/26 figures):
#  * spread_schools: ZŠ shares range from 6.2 % (Komenského) to 54.5 % (Podhradí), so every ZŠ is more
#    than 25 pp from one end (Sídliště Jih 19.8 % vs 54.5 % = 34.7 pp); MŠ range 6.4–22.1 %: no flag;
#  * spread_classes: only Sídliště Jih grades 6 and 7 (1/22 vs 8/22 = 31.8 pp); Komenského 6.A (0 %) vs
#    6.B/6.C (≈9 %) stays under 25 pp; single-class grades have no pair;
#  * sen_share_territory 209/2265 = 9.2 % > 7 %; mild_id_share_territory 54/2265 = 2.4 %: no flag;
#  * sen_share_school: Nádražní 36/508 = 7.09 %, Jih 10.0 %, Podhradí 12.1 %, speciální 95.1 % (> 7 %);
#  * mild_id_share_school: speciální 37/61 = 60.7 % (> 5 %); Podhradí 3/99 = 3 %: no flag;
#  * dropout_gap: pooled ZŠ 43/2002 = 2.15 %; Podhradí 5.05 % and speciální 4.92 % are > 25 % above;
#  * further_ed_gap: pooled 161/222 = 72.5 %; Podhradí 45.5 % and speciální 42.9 % are > 25 % below;
#  * competence_gap: lowest score 1333.6 vs best 1566.9 is 14.9 % below: no flag (no national reference);
#  * funding_gap: Jih 4558 Kč vs Komenského 5512 Kč (lower share) = 17.3 % less; Podhradí 4346 Kč vs
#    speciální 10388 Kč (47.5 % < 54.5 %) = 58.2 % less; Horní Ves is at most 5.8 % below: no flag;
#  * disadvantaged_matura_gap: Komenského 2/4 vs 51/68, Podhradí 2/6 vs 5/11, Lhota 1/2 vs 15/20,
#    Horní Ves 1/2 vs 12/16, speciální 1/3 vs 3/7 are > 20 % below; Nádražní (11 %) and Jih (16.7 %) not;
#  * small_segregated_school: Podhradí (99 pupils, +39.7 pp) and speciální (61 pupils, +32.7 pp);
#  * high_disadvantage_school (info): Podhradí 54.5 %, speciální 47.5 %;
#  * high_disadvantage_territory: 331/2265 = 14.6 % < 25 %: no flag;
#  * gym_outflow_high (info): Komenského 13/68 = 19.1 %; Nádražní 5/56 = 8.9 %: no flag.
FLAGS_PER_YEAR = [
    *(
        ("disadvantaged_spread_schools", sid, None, None, "warning")
        for sid in (KOMENSKEHO, NADRAZNI, JIH, PODHRADI, LHOTA, HORNI_VES, SPECIALNI)
    ),
    ("disadvantaged_spread_classes", JIH, 6, "6.A", "warning"),
    ("disadvantaged_spread_classes", JIH, 6, "6.B", "warning"),
    ("disadvantaged_spread_classes", JIH, 7, "7.A", "warning"),
    ("disadvantaged_spread_classes", JIH, 7, "7.B", "warning"),
    ("sen_share_territory", None, None, None, "warning"),
    ("sen_share_school", NADRAZNI, None, None, "warning"),
    ("sen_share_school", JIH, None, None, "warning"),
    ("sen_share_school", PODHRADI, None, None, "warning"),
    ("sen_share_school", SPECIALNI, None, None, "warning"),
    ("mild_id_share_school", SPECIALNI, None, None, "warning"),
    ("dropout_gap", PODHRADI, None, None, "warning"),
    ("dropout_gap", SPECIALNI, None, None, "warning"),
    ("further_ed_gap", PODHRADI, None, None, "warning"),
    ("further_ed_gap", SPECIALNI, None, None, "warning"),
    ("funding_gap", JIH, None, None, "warning"),
    ("funding_gap", PODHRADI, None, None, "warning"),
    *(
        ("disadvantaged_matura_gap", sid, None, None, "warning")
        for sid in (KOMENSKEHO, PODHRADI, LHOTA, HORNI_VES, SPECIALNI)
    ),
    ("small_segregated_school", PODHRADI, None, None, "warning"),
    ("small_segregated_school", SPECIALNI, None, None, "warning"),
    ("high_disadvantage_school", PODHRADI, None, None, "info"),
    ("high_disadvantage_school", SPECIALNI, None, None, "info"),
    ("gym_outflow_high", KOMENSKEHO, None, None, "info"),
]
EXPECTED_FLAGS = [(year, *flag) for year in ("2023/24", "2024/25", "2025/26") for flag in FLAGS_PER_YEAR]


def test_complete_list_of_flags_on_the_sample(sample_result):
    got = [
        (f.school_year, f.rule, f.school_id, f.grade, f.class_name, f.severity) for f in sample_result.flags
    ]
    assert got == [(y, r, sid, g, c, sev) for y, r, sid, g, c, sev in EXPECTED_FLAGS]


def test_sample_values_of_key_flags(sample_result):
    flags = {(f.school_year, f.rule, f.school_id, f.class_name): f for f in sample_result.flags}
    podhradi = flags[("2025/26", "small_segregated_school", PODHRADI, None)]
    assert podhradi.value == pytest.approx(54 / 99 - 296 / 2002)
    assert podhradi.threshold == 0.25 and podhradi.territory == "ORP Vzorov" and podhradi.school_type == "ZS"
    streamed = flags[("2025/26", "disadvantaged_spread_classes", JIH, "6.B")]
    assert streamed.value == pytest.approx(7 / 22) and streamed.counterpart_id == "6.A"
    assert "rozšířená výuka matematiky" in streamed.message
    assert flags[("2025/26", "gym_outflow_high", KOMENSKEHO, None)].value == pytest.approx(13 / 68)
    assert flags[("2025/26", "mild_id_share_school", SPECIALNI, None)].value == pytest.approx(37 / 61)
    territory = flags[("2025/26", "sen_share_territory", None, None)]
    assert territory.value == pytest.approx(209 / 2265)
    assert (territory.school_type, territory.school_id, territory.grade, territory.class_name) == (None,) * 4


def test_sample_has_no_kindergarten_spread_and_no_even_grade_flags(sample_result):
    assert not [f for f in sample_result.flags if f.school_type == "MS" and "spread" in f.rule]
    class_flags = {
        (f.school_id, f.grade) for f in sample_result.flags if f.rule == "disadvantaged_spread_classes"
    }
    assert class_flags == {(JIH, 6), (JIH, 7)}


def test_sample_skips_say_why(sample_result):
    skipped = {(s.school_year, s.rule, s.school_id) for s in sample_result.skipped}
    kindergartens = ("102002001", "102002002", "102002003")
    expected = set()
    for year in ("2023/24", "2024/25", "2025/26"):
        # No national reference score is set, and the special school reports no score.
        expected |= {(year, "competence_gap", None), (year, "competence_gap", SPECIALNI)}
        # SPEC scopes these rules to every school type; the kindergartens report none of their inputs.
        for rule in ("dropout_gap", "further_ed_gap", "competence_gap", "disadvantaged_matura_gap"):
            expected |= {(year, rule, ms) for ms in kindergartens}
    assert skipped == expected
    assert len(sample_result.skipped) == len(expected)
    reasons = {s.reason for s in sample_result.skipped}
    assert "chybí competence_score" in reasons
    assert any("národní referenční hodnota" in r for r in reasons)


def test_messages_are_signals_never_findings_of_law(sample_result):
    for flag in sample_result.flags:
        text = flag.message.lower()
        assert "signál k prověření" in text
        assert "segregac" not in text and "diskrimina" not in text
    pair = next(
        f for f in sample_result.flags if f.rule == "disadvantaged_spread_schools" and f.school_id == JIH
    )
    assert "„ZŠ a MŠ Vzorov-Podhradí“" in pair.message  # names the site at the other end
    assert pair.counterpart_id == PODHRADI


def test_identity_ignores_year_and_value(sample_result):
    by_year: dict[str, set[str]] = {}
    for flag in sample_result.flags:
        by_year.setdefault(flag.school_year, set()).add(flag.identity)
    assert by_year["2023/24"] == by_year["2024/25"] == by_year["2025/26"]
    assert len(by_year["2025/26"]) == len(FLAGS_PER_YEAR)
    streamed = next(f for f in sample_result.flags if f.class_name == "6.B")
    assert streamed.identity == f"disadvantaged_spread_classes|ORP Vzorov|ZS|{JIH}|6|6.B"
    territory = next(f for f in sample_result.flags if f.rule == "sen_share_territory")
    assert territory.identity == "sen_share_territory|ORP Vzorov||||"


def test_grouping_pair_flags_into_findings(sample_result):
    findings = [f for f in group_flags(sample_result.flags) if f.school_year == "2025/26"]
    spread = [f for f in findings if f.rule == "disadvantaged_spread_schools"]
    assert len(spread) == 1 and len(spread[0].flags) == 7
    assert spread[0].message.startswith("7 škol typu ZŠ v území ORP Vzorov se v podílu znevýhodněných žáků")
    assert (
        "krajní hodnoty: ZŠ a MŠ Vzorov-Podhradí 54,5 %, ZŠ Vzorov, Komenského 12 6,2 %" in spread[0].message
    )
    assert spread[0].identity == "disadvantaged_spread_schools|ORP Vzorov|ZS|||"
    classes = [f for f in findings if f.rule == "disadvantaged_spread_classes"]
    assert [(f.grade, len(f.flags)) for f in classes] == [(6, 2), (7, 2)]
    assert classes[0].message.startswith("2 třídy 6. ročníku školy „ZŠ Vzorov, Sídliště Jih“")
    assert "6.B 36,4 %, 6.A 4,5 %" in classes[0].message
    singles = [
        f for f in findings if f.rule not in ("disadvantaged_spread_schools", "disadvantaged_spread_classes")
    ]
    assert all(len(f.flags) == 1 and f.message == f.flags[0].message for f in singles)
    assert len(findings) == 1 + 2 + len(singles) and len(singles) == len(FLAGS_PER_YEAR) - 11


# ------------------------------------------------------------------------------------------- modes


def test_vs_average_mode_for_schools_and_classes():
    rules = rules_from_toml(
        """
        [rules.disadvantaged_spread_schools]
        mode = "vs_average"
        [rules.disadvantaged_spread_classes]
        mode = "vs_average"
        threshold = 0.10
        """
    )
    result = analyse(read_path(SAMPLE), rules)
    spread = [(f.school_year, f.school_id) for f in result.flags if f.rule == "disadvantaged_spread_schools"]
    assert spread == [(y, sid) for y in ("2023/24", "2024/25", "2025/26") for sid in (PODHRADI, SPECIALNI)]
    classes = {
        (f.school_year, f.class_name) for f in result.flags if f.rule == "disadvantaged_spread_classes"
    }
    # 8/22 = 36.4 % vs the grade's pooled 9/44 = 20.5 % is 15.9 pp > 10 pp; streamed classes are below
    assert ("2025/26", "6.B") in classes and ("2025/26", "6.A") not in classes
    flag = next(f for f in result.flags if f.rule == "disadvantaged_spread_schools")
    assert "souhrnný podíl" in flag.message and flag.counterpart_id is None


def pair_sites(*shares: tuple[str, int, int], **extra: object) -> bytes:
    return to_csv(
        SCHOOL_HEADER,
        [
            school(school_id=sid, school_name=f"Škola {sid}", pupils=t, disadvantaged=x, **extra)
            for sid, t, x in shares
        ],
    )


def test_pairwise_threshold_is_strict_and_float_safe():
    # 30 % vs 5 %: exactly 25 pp apart, not "more than"
    data = pair_sites(("1", 100, 30), ("2", 100, 5))
    assert not [f for f in analyse(read_upload({"schools.csv": data})).flags if "spread" in f.rule]
    data = pair_sites(("1", 1000, 301), ("2", 100, 5))
    assert len([f for f in analyse(read_upload({"schools.csv": data})).flags if "spread" in f.rule]) == 2


def test_funding_gap_flags_only_the_less_funded_site_with_the_higher_share():
    rows = [
        school(school_id="1", school_name="A", pupils=100, disadvantaged=10, funding_per_pupil=5000),
        school(
            school_id="2", school_name="B", pupils=100, disadvantaged=30, funding_per_pupil=4400
        ),  # 12 % less
        school(
            school_id="3", school_name="C", pupils=100, disadvantaged=5, funding_per_pupil=4000
        ),  # lower share
        school(
            school_id="4", school_name="D", pupils=100, disadvantaged=30, funding_per_pupil=4600
        ),  # 8 % less
    ]
    flags = [
        f
        for f in analyse(read_upload({"schools.csv": to_csv(SCHOOL_HEADER, rows)})).flags
        if f.rule == "funding_gap"
    ]
    assert [(f.school_id, f.counterpart_id) for f in flags] == [("2", "1")]
    assert flags[0].value == pytest.approx(0.12)


def test_competence_gap_uses_the_national_reference_when_set():
    rows = [
        school(school_id="1", competence_score=1500),
        school(school_id="2", competence_score=1400),
        school(school_id="3", competence_score="1 000,5"),
    ]
    data = {"schools.csv": to_csv(SCHOOL_HEADER, rows)}
    default = analyse(read_upload(data))
    assert [f.school_id for f in default.flags if f.rule == "competence_gap"] == ["3"]  # 33 % below the best
    rules = rules_from_toml(
        """
        [references.competence_score]
        value = 1900.0
        source = "test"
        date = 2025-06-30
        """
    )
    with_reference = analyse(read_upload(data), rules)
    flags = [f for f in with_reference.flags if f.rule == "competence_gap"]
    assert [f.school_id for f in flags] == ["2", "3"]  # 1400 is 26 % below 1900
    assert "národní referenční hodnotou (1900, test, 2025-06-30)" in flags[0].message
    assert not [s for s in with_reference.skipped if s.rule == "competence_gap"]


def test_rules_skip_units_with_missing_inputs_without_guessing():
    rows = [school(school_id="1", pupils=0, disadvantaged=0), school(school_id="2")]
    result = analyse(read_upload({"schools.csv": to_csv(SCHOOL_HEADER, rows)}))
    skipped = {(s.rule, s.school_id) for s in result.skipped}
    assert ("sen_share_school", "2") in skipped and ("gym_outflow_high", "2") in skipped
    assert ("high_disadvantage_school", "1") in skipped  # no pupils, no share
    assert {s.school_year for s in result.skipped} == {"2025/26"}


def test_class_rules_need_a_classes_table():
    rows = [school(pupils=40, disadvantaged=10)]
    classes = [klass(pupils=20, disadvantaged=0), klass(class_name="1.B", pupils=20, disadvantaged=10)]
    with_classes = analyse(
        read_upload(
            {"schools.csv": to_csv(SCHOOL_HEADER, rows), "classes.csv": to_csv(CLASS_HEADER, classes)}
        )
    )
    assert [f.class_name for f in with_classes.flags if f.rule == "disadvantaged_spread_classes"] == [
        "1.A",
        "1.B",
    ]
    assert [i.level for i in with_classes.indices] == ["schools", "classes"]
    without = analyse(read_upload({"schools.csv": to_csv(SCHOOL_HEADER, rows)}))
    assert not [f for f in without.flags if f.rule == "disadvantaged_spread_classes"]
    assert [i.level for i in without.indices] == ["schools"]


# ------------------------------------------------------------------------------------------- rules file


def test_rules_file_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "pravidla.toml"
    path.write_text(
        "[rules.sen_share_school]\nthreshold = 0.5\n\n[rules.gym_outflow_high]\nenabled = false\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    defaults = default_rules()
    assert rules["sen_share_school"].threshold == 0.5
    assert rules["sen_share_school"].severity == defaults["sen_share_school"].severity
    assert rules["mild_id_share_school"] == defaults["mild_id_share_school"]
    result = analyse(read_path(SAMPLE), rules)
    assert {f.school_id for f in result.flags if f.rule == "sen_share_school"} == {SPECIALNI}
    assert not [f for f in result.flags if f.rule == "gym_outflow_high"]


def test_defaults_cover_every_rule_with_a_source():
    rules = default_rules()
    assert list(rules.rules) == list(RULE_SPECS)
    for cfg in rules.rules.values():
        assert cfg.source and cfg.enabled
    assert rules["high_disadvantage_school"].severity == "info"
    assert rules["disadvantaged_spread_classes"].severity == "warning"
    assert rules["small_segregated_school"].max_pupils == 120
    assert rules.reference("gym_entry_national").value == 0.077
    assert rules.reference("competence_score").value is None


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[rules.no_such_rule]\nthreshold = 0.1", "Neznámé pravidlo „no_such_rule“"),
        ("[rules.sen_share_school]\nthreshold = 7", "threshold musí být zlomek"),
        ("[rules.sen_share_school]\nthreshold = -0.1", "threshold musí být zlomek"),
        ('[rules.dropout_gap]\nthreshold = "25 %"', "threshold musí být nezáporné číslo"),
        ('[rules.sen_share_school]\nseverity = "critical"', "severity musí být"),
        ('[rules.sen_share_school]\nmode = "pairwise"', "neznámý klíč „mode“"),
        (
            '[rules.disadvantaged_spread_schools]\nmode = "average"',
            "mode musí být jedno z pairwise, vs_average",
        ),
        ('[rules.sen_share_school]\nenabled = "yes"', "enabled musí být true nebo false"),
        ("[rules.small_segregated_school]\nmax_pupils = 0", "max_pupils musí být kladné celé číslo"),
        ('[rules.funding_gap]\nschool_types = ["ZS", "VS"]', "school_types musí být"),
        ('[rules.sen_share_territory]\nschool_types = ["ZS"]', "neznámý klíč „school_types“"),
        ('[references.competence_score]\nvalue = "high"', "value musí být číslo"),
        ("[settings]\nx = 1", "Neznámá sekce „settings“"),
        ("[rules.sen_share_school\nthreshold = 0.1", "není platný TOML"),
        ("[rules.sen_share_school]\nthreshold = nan", "threshold musí být zlomek"),
    ],
)
def test_bad_rules_file_is_rejected(text: str, fragment: str):
    with pytest.raises(RulesError) as info:
        rules_from_toml(text)
    assert any(fragment in e for e in info.value.errors), info.value.errors


def test_rules_errors_are_all_listed():
    with pytest.raises(RulesError) as info:
        rules_from_toml("[rules.a]\n[rules.b]\n[rules.sen_share_school]\nthreshold = 2")
    assert len(info.value.errors) == 3
