"""Command line: ``flask analysis run PATH`` (registered by the app) or ``python -m portal.analysis PATH``.

Exit status: 0 when the analysis ran (with or without flags), 2 when the input or the rules file is
invalid (every problem is listed on stderr). The reader raises nothing but ``ValidationFailed`` for any
bytes, so a broken file is exit 2 with its problems, never a traceback (exit 1).
"""

from __future__ import annotations

from pathlib import Path

import click

from .config import RulesError, RuleSet, load_rules
from .defaults import DEFAULT_RULES_TOML
from .engine import Result, analyse
from .indices import INDEX_NAMES
from .model import ValidationFailed
from .reader import DEFAULT_MAX_BYTES, read_path

EXIT_INVALID = 2


@click.group("analysis")
def analysis() -> None:
    """Analýza selektivity škol v území (indexy segregace a signály k prověření)."""


@analysis.command("run")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--classes",
    "classes_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="classes.csv, když PATH je přímo soubor škol (CSV).",
)
@click.option(
    "--rules",
    "rules_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Soubor pravidel (TOML); přepisuje jen to, co uvede.",
)
@click.option(
    "--format", "output_format", type=click.Choice(["json", "table"]), default="json", show_default=True
)
@click.option(
    "--max-size",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES // (1024 * 1024),
    show_default=True,
    help="Největší povolená velikost souboru v MiB.",
)
@click.pass_context
def run(
    ctx: click.Context,
    path: Path,
    classes_file: Path | None,
    rules_file: Path | None,
    output_format: str,
    max_size: int,
) -> None:
    """Analyze PATH: a folder with schools.csv (and classes.csv), an .xlsx workbook, or schools.csv."""
    errors: list[str] = []
    rules: RuleSet | None = None
    try:
        rules = load_rules(rules_file)
    except RulesError as exc:
        errors.extend(f"{exc.source}: {e}" if exc.source else e for e in exc.errors)
    dataset = None
    try:
        dataset = read_path(path, classes=classes_file, max_bytes=max_size * 1024 * 1024)
    except ValidationFailed as exc:
        errors.extend(str(p) for p in exc.problems)
    if errors or dataset is None or rules is None:
        click.echo(f"Vstup nelze zpracovat ({len(errors)} problémů):", err=True)
        for line in errors:
            click.echo(f"  - {line}", err=True)
        ctx.exit(EXIT_INVALID)
        return
    result = analyse(dataset, rules)
    click.echo(result.to_json(indent=2) if output_format == "json" else format_table(result))


@analysis.command("rules")
def print_rules() -> None:
    """Print the default rules file (a starting point for a territory's own rules)."""
    click.echo(DEFAULT_RULES_TOML, nl=False)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def format_table(result: Result) -> str:
    """A plain-text report: indices, then flags with their messages, then skipped checks."""
    lines: list[str] = []
    header = [
        "úroveň",
        "rok",
        "území",
        "typ",
        "IZO",
        "jednotek",
        "žáků",
        "znevýh.",
        "podíl",
        "D",
        "xPx",
        "xPy",
    ]
    header += ["V", "H", "G"]
    rows = []
    for entry in result.indices:
        v = entry.values
        rows.append(
            [
                "školy" if entry.level == "schools" else "třídy",
                entry.school_year,
                entry.territory or "",
                entry.school_type or "",
                entry.school_id or "",
                str(v.units),
                str(v.pupils),
                str(v.disadvantaged),
                _fmt(v.share),
                *(_fmt(getattr(v, name)) for name in INDEX_NAMES),
            ]
        )
    lines.append("INDEXY SEGREGACE (D nerovnoměrnost, xPx izolace, xPy expozice, V korelační poměr,")
    lines.append("H Theilův index, G Giniho index; při malém počtu jednotek jsou hodnoty nestabilní)")
    lines.extend(_columns(header, rows))
    lines.append("")
    lines.append(f"SIGNÁLY K PROVĚŘENÍ ({len(result.flags)})")
    for flag in result.flags:
        where = " ".join(
            str(part)
            for part in (flag.school_year, flag.territory, flag.school_type, flag.school_id, flag.class_name)
            if part
        )
        lines.append(
            f"[{flag.severity}] {flag.rule} — {where}: hodnota {flag.value:.3f}, práh {flag.threshold:g}"
        )
        lines.append(f"    {flag.message}")
    lines.append("")
    lines.append(f"NEVYHODNOCENO ({len(result.skipped)})")
    for skip in result.skipped:
        where = " ".join(part for part in (skip.school_year, skip.territory, skip.school_id) if part)
        lines.append(f"{skip.rule} — {where}: {skip.reason}")
    return "\n".join(lines)


def _columns(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [
        max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i])
        for i in range(len(header))
    ]
    numeric_from = 5  # counts and indices are right-aligned

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(widths[i]) if i >= numeric_from else c.ljust(widths[i]) for i, c in enumerate(cells)
        ).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]
