"""Benchmark of the analysis module on a national-size input, beside PySAL ``segregation``.

Run:  .venv/bin/python bench/analysis_bench.py [--sites 4000] [--classes 40000] [--seed 5] [--no-pysal]

It writes a synthetic but realistic ``schools.csv`` and ``classes.csv`` (one school year, several
territories, all school types; fixed seed) into a temporary folder, then measures

1. the whole module: read + validate + indices + rules + ``to_dict`` + JSON (wall time; peak Python heap
   with tracemalloc in a second, separate run, because tracing slows Python down; and process max RSS);
2. the same six indices per group computed with PySAL (``Dissim``, ``Isolation``, ``Interaction``,
   ``CorrelationR``, ``Entropy``, ``Gini``), after one warm-up call so numba's JIT compile is reported apart,

and checks that both agree to 1e-9. Target: the whole module under 2 s, and faster than PySAL's indices.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import resource
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from portal.analysis import INDEX_NAMES, analyse, read_path  # noqa: E402

SCHOOL_HEADER = (
    "school_year territory school_id school_name school_type pupils disadvantaged sen mild_id dropouts "
    "leavers "
    "leavers_matura disadvantaged_leavers disadvantaged_leavers_matura competence_score funding_per_pupil "
    "grade5_pupils gym_outflow"
).split()
CLASS_HEADER = ["school_year", "school_id", "grade", "class_name", "pupils", "disadvantaged", "stream"]
# Share of sites by type and (mean pupils, grades) roughly as in Czech statistics.
TYPES = {"MS": (0.42, 75, range(1, 4)), "ZS": (0.40, 330, range(1, 10)), "SS": (0.12, 420, range(10, 14)),
         "GYM": (0.06, 450, range(6, 14))}  # fmt: skip
YEAR = "2025/26"


def binomial(rng: random.Random, n: int, p: float) -> int:
    """A binomial draw, normal-approximated for large n (fast enough for 40,000 classes)."""
    if n < 30:
        return sum(1 for _ in range(n) if rng.random() < p)
    value = round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))
    return min(max(value, 0), n)


def generate(folder: Path, sites: int, classes: int, seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    territories = [f"ORP {n:03d}" for n in range(1, 207)]  # the Czech Republic has 206 ORP
    # Territories differ in disadvantage (a few poor regions), sites within a territory differ again.
    base = {t: min(0.6, rng.betavariate(1.6, 9.0)) for t in territories}
    type_names = list(TYPES)
    weights = [TYPES[t][0] for t in type_names]
    school_rows = []
    for n in range(sites):
        school_type = rng.choices(type_names, weights)[0]
        territory = rng.choice(territories)
        mean = TYPES[school_type][1]
        pupils = max(0, int(rng.lognormvariate(math.log(mean), 0.6))) if rng.random() > 0.002 else 0
        share = min(0.98, max(0.0, rng.gauss(base[territory], 0.08) * (3 if rng.random() < 0.03 else 1)))
        disadvantaged = binomial(rng, pupils, share)
        sen = binomial(rng, pupils, 0.09 if rng.random() > 0.03 else 0.8)
        row: dict[str, object] = {
            "school_year": YEAR,
            "territory": territory,
            "school_id": str(600000000 + n),
            "school_name": f"{school_type} {territory} {n}",
            "school_type": school_type,
            "pupils": pupils,
            "disadvantaged": disadvantaged,
            "sen": sen,
            "mild_id": binomial(rng, sen, 0.15),
            "funding_per_pupil": round(rng.uniform(2500, 9000), -1) if rng.random() > 0.05 else "",
        }
        if school_type != "MS":
            leavers = pupils // len(TYPES[school_type][2])
            focal = binomial(rng, leavers, share)
            row.update(
                dropouts=binomial(rng, pupils, 0.02),
                leavers=leavers,
                leavers_matura=binomial(rng, leavers, 0.7),
                disadvantaged_leavers=focal,
                disadvantaged_leavers_matura=binomial(rng, focal, 0.45),
                competence_score=f"{rng.gauss(1500, 80):.1f}".replace(".", ",") if rng.random() > 0.1 else "",
            )
        if school_type == "ZS":
            grade5 = pupils // 9
            row.update(grade5_pupils=grade5, gym_outflow=binomial(rng, grade5, 0.08))
        school_rows.append(row)
    # Classes: spread over the sites in proportion to their pupils; shares scatter around the site's share.
    total = sum(int(r["pupils"]) for r in school_rows) or 1  # type: ignore[call-overload]
    class_rows = []
    for r in school_rows:
        pupils = int(r["pupils"])  # type: ignore[call-overload]
        count = max(1, round(classes * pupils / total)) if pupils else 0
        grades = list(TYPES[str(r["school_type"])][2])
        share = int(r["disadvantaged"]) / pupils if pupils else 0.0  # type: ignore[call-overload]
        for k in range(count):
            grade = grades[k % len(grades)]
            size = max(1, round(rng.gauss(22, 4)))
            streamed = rng.random() < 0.05
            class_share = min(1.0, max(0.0, rng.gauss(share * (0.3 if streamed else 1.0), 0.05)))
            class_rows.append(
                {
                    "school_year": YEAR,
                    "school_id": r["school_id"],
                    "grade": grade,
                    "class_name": f"{grade}.{k // len(grades) + 1}",
                    "pupils": size,
                    "disadvantaged": binomial(rng, size, class_share),
                    "stream": "rozšířená výuka matematiky" if streamed else "",
                }
            )
    for name, header, rows in (
        ("schools.csv", SCHOOL_HEADER, school_rows),
        ("classes.csv", CLASS_HEADER, class_rows),
    ):
        with (folder / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, header, delimiter=";" if name == "schools.csv" else ",")
            writer.writeheader()
            writer.writerows(rows)
    return len(school_rows), len(class_rows)


def run_module(folder: Path) -> str:
    return json.dumps(analyse(read_path(folder)).to_dict(), ensure_ascii=False, indent=2)


def maxrss_mib() -> float:
    # Linux reports ru_maxrss in KiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=4000)
    parser.add_argument("--classes", type=int, default=40000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--no-pysal", action="store_true", help="skip the PySAL comparison")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n_sites, n_classes = generate(folder, args.sites, args.classes, args.seed)
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1024 / 1024
        rss_before = maxrss_mib()

        start = time.perf_counter()
        output = run_module(folder)
        wall = time.perf_counter() - start
        rss_after = maxrss_mib()

        tracemalloc.start()
        run_module(folder)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        result = json.loads(output)
        t0 = time.perf_counter()
        dataset = read_path(folder)
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        analysed = analyse(dataset)
        t_analyse = time.perf_counter() - t0
        t0 = time.perf_counter()
        json.dumps(analysed.to_dict(), ensure_ascii=False, indent=2)
        t_json = time.perf_counter() - t0

        groups: dict[tuple[str, ...], list[tuple[int, int]]] = {}
        for s in dataset.schools:
            groups.setdefault(("schools", s.school_year, s.territory, s.school_type), []).append(
                (s.pupils, s.disadvantaged)
            )
        for c in dataset.classes:
            groups.setdefault(("classes", c.school_year, c.school_id), []).append((c.pupils, c.disadvantaged))

        rows = [
            ("input", f"{n_sites} sites, {n_classes} classes, {size:.1f} MiB CSV, {len(groups)} groups"),
            ("module: read + validate", f"{t_read:.3f} s"),
            ("module: indices + rules", f"{t_analyse:.3f} s"),
            ("module: to_dict + JSON", f"{t_json:.3f} s"),
            ("module: whole run (wall)", f"{wall:.3f} s   (target < 2 s)"),
            ("module: peak heap (tracemalloc)", f"{peak / 1024 / 1024:.1f} MiB"),
            ("module: process max RSS", f"{rss_after:.1f} MiB (before the run {rss_before:.1f} MiB)"),
            (
                "output",
                f"{len(result['indices'])} index rows, {len(result['flags'])} flags, "
                f"{len(result['skipped'])} skipped",
            ),  # fmt: skip
        ]
        # indices alone, for a like-for-like comparison with PySAL
        from portal.analysis.indices import segregation_indices

        t0 = time.perf_counter()
        ours = {key: segregation_indices(units) for key, units in groups.items()}
        t_ours = time.perf_counter() - t0
        rows.append(("module: the six indices alone", f"{t_ours:.3f} s"))

        if not args.no_pysal:
            rows += pysal_rows(groups, ours)
        print_table(rows)


def pysal_rows(groups, ours) -> list[tuple[str, str]]:
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pandas as pd
        from segregation.singlegroup import CorrelationR, Dissim, Entropy, Gini, Interaction, Isolation
    t_import = time.perf_counter() - t0
    classes = {
        "dissimilarity": Dissim, "isolation": Isolation, "exposure": Interaction,
        "correlation_ratio": CorrelationR, "theil_h": Entropy, "gini": Gini,
    }  # fmt: skip
    rss_before = maxrss_mib()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        warm = pd.DataFrame({"t": [10, 20], "x": [1, 5]})
        for cls in classes.values():
            cls(warm, "x", "t")
        t_warm = time.perf_counter() - t0

        def compute() -> dict:
            out = {}
            for key, units in groups.items():
                frame = pd.DataFrame({"t": [t for t, _ in units], "x": [x for _, x in units]})
                out[key] = {name: float(cls(frame, "x", "t").statistic) for name, cls in classes.items()}
            return out

        t0 = time.perf_counter()
        theirs = compute()
        t_pysal = time.perf_counter() - t0
        rss_after = maxrss_mib()
        tracemalloc.start()
        compute()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    worst = 0.0
    compared = 0
    for key, values in ours.items():
        for name in INDEX_NAMES:
            mine = getattr(values, name)
            if mine is not None:
                worst = max(worst, abs(mine - theirs[key][name]))
                compared += 1
    return [
        ("PySAL: import", f"{t_import:.3f} s"),
        ("PySAL: warm-up (numba JIT)", f"{t_warm:.3f} s"),
        ("PySAL: the six indices", f"{t_pysal:.3f} s"),
        ("PySAL: peak heap (tracemalloc)", f"{peak / 1024 / 1024:.1f} MiB"),
        ("PySAL: process max RSS", f"{rss_after:.1f} MiB (before {rss_before:.1f} MiB)"),
        ("agreement module vs PySAL", f"max |diff| {worst:.2e} over {compared} values (limit 1e-9)"),
    ]


def print_table(rows: list[tuple[str, str]]) -> None:
    width = max(len(label) for label, _ in rows)
    print(f"{'measure'.ljust(width)}  value")
    print(f"{'-' * width}  {'-' * 40}")
    for label, value in rows:
        print(f"{label.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
