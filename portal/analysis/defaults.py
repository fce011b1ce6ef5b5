# ruff: noqa: E501  (long lines are TOML text: the source citations read better unbroken)
"""The built-in rules file (SPEC section 2), as TOML text.

It lives in a Python module rather than a ``.toml`` data file so it ships with the package without any
packaging configuration; ``flask analysis rules`` prints it as a starting point for a territory's own file.
"""

DEFAULT_RULES_TOML = """\
# Pravidla analýzy selektivity (výchozí hodnoty podle SPEC.md, část 2).
# Zdroj pravidel: maďarská praktická příručka k akčním plánům rovných příležitostí ve vzdělávání,
# oddíly II.3–II.8 (v textu „příručka“), a české ukazatele.
#
# Prahy jsou zlomky: 0.25 = 25 %. U podílů jde o procentní body (0.25 = 25 p. b.), u relativních
# odchylek o poměr (0.25 = o více než 25 % méně nebo více než srovnávací hodnota).
# severity: "warning" = příručka při překročení žádá plán intervence; "info" = informativní ukazatel.
# school_types: typy škol, na které se pravidlo použije (MS, ZS, SS, GYM); porovnávají se jen stejné typy.
#   Výchozí jsou všechny typy, jak SPEC vymezuje rozsah pravidel; jen gym_outflow_high je pro ZŠ. Škola, které
#   chybí vstupní údaje pravidla (např. MŠ bez dropouts), se přeskočí a uvede ve „skipped“.
# Vlastní soubor pravidel přepisuje jen to, co uvede; ostatní zůstává podle tohoto souboru.
# Každé upozornění je signál k prověření, nikoli zjištění segregace či diskriminace.

# Národní a jiné srovnávací hodnoty: každá se zdrojem a datem.
[references.competence_score]
# Národní průměr výsledků testování na stejné škále jako sloupec competence_score, např.:
# value = 1500.0
# Dokud hodnota není nastavena, porovnává pravidlo competence_gap školu jen s nejlepší školou v území.
source = ""
date = ""

[references.gym_entry_national]
value = 0.077
source = "SPEC.md, část 2: přibližný podíl populačního ročníku přijímaného na osmiletá gymnázia"
date = ""

[rules.disadvantaged_spread_schools]
enabled = true
severity = "warning"
mode = "pairwise"        # "pairwise" (školy navzájem) nebo "vs_average" (škola proti souhrnnému podílu)
threshold = 0.25         # procentní body
school_types = ["MS", "ZS", "SS", "GYM"]
source = "Příručka II.3: podíl žáků HHH mezi školami a pracovišti se nemá lišit o více než 25 %; jinak je třeba zjistit příčiny a akční plán."

[rules.disadvantaged_spread_classes]
enabled = true
severity = "warning"
mode = "pairwise"
threshold = 0.25         # procentní body
school_types = ["MS", "ZS", "SS", "GYM"]
source = "Příručka II.6: podíl žáků HHH ve třídách téhož ročníku (i ve třídách s rozšířenou výukou) se nemá lišit o více než 25 %; jinak plán intervence."

[rules.sen_share_territory]
enabled = true
severity = "warning"
threshold = 0.07
source = "Příručka II.3: podíl dětí a žáků se SVP v území nad 7 % vyžaduje plánovitý komplexní zásah."

[rules.mild_id_share_territory]
enabled = true
severity = "warning"
threshold = 0.03
source = "Příručka II.3: podíl žáků s LMP v území výrazně nad 3 % vyžaduje plánovitý komplexní zásah."

[rules.sen_share_school]
enabled = true
severity = "warning"
threshold = 0.07
school_types = ["MS", "ZS", "SS", "GYM"]
source = "Příručka II.6: podíl žáků se SVP ve škole nad 7 % vyžaduje plánovitý komplexní zásah."

[rules.mild_id_share_school]
enabled = true
severity = "warning"
threshold = 0.05
school_types = ["MS", "ZS", "SS", "GYM"]
source = "Příručka II.6: podíl žáků s LMP ve škole nad 5 % vyžaduje plánovitý komplexní zásah."

[rules.dropout_gap]
enabled = true
severity = "warning"
threshold = 0.25         # relativně
school_types = ["MS", "ZS", "SS", "GYM"]
source = "Příručka II.4: rozdíl v předčasných odchodech mezi školami téhož typu nad 25 % vyžaduje plán intervence."

[rules.further_ed_gap]
enabled = true
severity = "warning"
threshold = 0.25         # relativně
school_types = ["MS", "ZS", "SS", "GYM"]
source = "Příručka II.4: rozdíl v dalším vzdělávání (pokračování v maturitních oborech) mezi školami téhož typu nad 25 % vyžaduje plán intervence."

[rules.competence_gap]
enabled = true
severity = "warning"
threshold = 0.25         # relativně
school_types = ["MS", "ZS", "SS", "GYM"]
source = "Příručka II.4: výsledky testování školy výrazně (o více než 25 %) pod národním průměrem nebo pod nejlepší školou téhož typu v území vyžadují plán intervence."

[rules.funding_gap]
enabled = true
severity = "warning"
threshold = 0.10         # relativně
school_types = ["MS", "ZS", "SS", "GYM"]
source = "Příručka II.5: dostává-li škola s vyšším podílem žáků HHH na žáka o více než 10 % méně prostředků zřizovatele než jiná škola téhož typu, je třeba plán intervence."

[rules.disadvantaged_matura_gap]
enabled = true
severity = "warning"
threshold = 0.20         # relativně
school_types = ["MS", "ZS", "SS", "GYM"]
source = "Příručka II.8: pokračují-li žáci HHH v maturitních oborech o více než 20 % méně než žáci školy celkem, škola připraví plán intervence."

[rules.small_segregated_school]
enabled = true
severity = "warning"
max_pupils = 120         # škola má méně žáků než tato hranice
threshold = 0.25         # procentní body nad souhrnným podílem škol typu v území
school_types = ["MS", "ZS", "SS", "GYM"]
source = "Příručka II.3: malé (pod 120 žáků) školy s vysokým podílem žáků HHH; příručka žádá postupnou integraci."

[rules.high_disadvantage_school]
enabled = true
severity = "info"
threshold = 0.40
school_types = ["MS", "ZS", "SS", "GYM"]
source = "Příručka II.3: školy, v nichž podíl žáků HHH dosahuje 40 % (informativní ukazatel)."

[rules.high_disadvantage_territory]
enabled = true
severity = "info"
threshold = 0.25
source = "Příručka II.3 (maďarský školský zákon § 105 odst. 2): území s podílem žáků HHH alespoň 25 % má přednost při rozdělování prostředků (informativní ukazatel)."

[rules.gym_outflow_high]
enabled = true
severity = "info"
threshold = 0.10
school_types = ["ZS"]
source = "Český ukazatel selektivity: odchody z 5. (7.) ročníku na víceletá gymnázia; celostátně přibližně 7,7 % ročníku (informativní ukazatel)."
"""
