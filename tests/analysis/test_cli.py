"""``analysis run`` through click's CliRunner, and ``python -m portal.analysis``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from portal.analysis.cli import analysis

from .builders import NASTY_SCHOOL_CELLS, SAMPLE, SCHOOL_HEADER, school, to_csv

INDEX_KEYS = (
    "level school_year territory school_type school_id units pupils disadvantaged share "
    "dissimilarity isolation exposure correlation_ratio theil_h gini"
).split()
FLAG_KEYS = (
    "rule severity school_year territory school_type school_id grade class_name value threshold message"
).split()
SKIP_KEYS = ["rule", "school_year", "territory", "school_id", "reason"]


def run(*args: str):
    return CliRunner().invoke(analysis, ["run", *args])


def test_json_output_has_exactly_the_spec_shape():
    result = run(str(SAMPLE))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["indices", "flags", "skipped"]
    assert data["indices"] and all(list(entry) == INDEX_KEYS for entry in data["indices"])
    assert data["flags"] and all(list(entry) == FLAG_KEYS for entry in data["flags"])
    assert data["skipped"] and all(list(entry) == SKIP_KEYS for entry in data["skipped"])
    first = data["indices"][0]
    assert first["level"] == "schools" and first["school_id"] is None and 0 < first["share"] < 1
    classes = [e for e in data["indices"] if e["level"] == "classes"]
    assert classes[0]["school_id"] == "102001001" and classes[0]["territory"] == "ORP Vzorov"
    assert "Signál k prověření" in result.stdout  # ensure_ascii=False keeps Czech readable
    assert {"rule": "gym_outflow_high", "school_id": "102001001", "school_year": "2025/26"}.items() <= next(
        f for f in data["flags"] if f["rule"] == "gym_outflow_high" and f["school_year"] == "2025/26"
    ).items()


def test_same_json_from_xlsx_and_czech_excel_csv():
    folder = run(str(SAMPLE)).stdout
    assert run(str(SAMPLE / "vzorov.xlsx")).stdout == folder
    czech = run(str(SAMPLE / "schools-excel-cz.csv"), "--classes", str(SAMPLE / "classes.csv"))
    assert czech.exit_code == 0 and czech.stdout == folder


def test_exit_0_without_flags(tmp_path: Path):
    (tmp_path / "schools.csv").write_bytes(to_csv(SCHOOL_HEADER, [school()]))
    result = run(str(tmp_path))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["flags"] == []


def test_exit_2_lists_problems_on_stderr(tmp_path: Path):
    (tmp_path / "schools.csv").write_bytes(
        to_csv(SCHOOL_HEADER, [school(pupils="x"), school(school_id="2", disadvantaged=500)])
    )
    result = run(str(tmp_path))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "schools.csv, řádek 2, sloupec „pupils“: Hodnota „x“ není číslo." in result.stderr
    assert "schools.csv, řádek 3, sloupec „disadvantaged“" in result.stderr


def test_rules_override_and_bad_rules_file(tmp_path: Path):
    rules = tmp_path / "rules.toml"
    rules.write_text("[rules.gym_outflow_high]\nthreshold = 0.05\n", encoding="utf-8")
    result = run(str(SAMPLE), "--rules", str(rules))
    assert result.exit_code == 0
    outflow = {
        (f["school_year"], f["school_id"])
        for f in json.loads(result.stdout)["flags"]
        if f["rule"] == "gym_outflow_high"
    }
    assert ("2025/26", "102001002") in outflow  # 5/56 = 8.9 % ≥ 5 %
    rules.write_text("[rules.gym_outflow_high]\nthreshold = 10\n", encoding="utf-8")
    bad = run(str(SAMPLE), "--rules", str(rules))
    assert bad.exit_code == 2 and "threshold musí být zlomek" in bad.stderr


def test_table_format():
    result = run(str(SAMPLE), "--format", "table")
    assert result.exit_code == 0
    assert "INDEXY SEGREGACE" in result.stdout and "SIGNÁLY K PROVĚŘENÍ (99)" in result.stdout
    assert "[info] gym_outflow_high — 2025/26 ORP Vzorov ZS 102001001" in result.stdout
    assert "NEVYHODNOCENO (42)" in result.stdout


def test_rules_command_prints_valid_defaults():
    from portal.analysis import default_rules, rules_from_toml

    result = CliRunner().invoke(analysis, ["rules"])
    assert result.exit_code == 0
    assert rules_from_toml(result.stdout) == default_rules()


def test_python_dash_m(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "portal.analysis", str(SAMPLE), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["flags"]) == 99
    bad = tmp_path / "schools.csv"
    bad.write_bytes(b"")
    done = subprocess.run(
        [sys.executable, "-m", "portal.analysis", str(bad)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert done.returncode == 2 and "Soubor je prázdný." in done.stderr


# ---------------------------------------------------------------- hostile input through the `flask` CLI


def flask_run(app, *args: str):
    """``flask analysis run`` as registered on the app (portal/cli.py), through click's CliRunner."""
    return app.test_cli_runner().invoke(args=["analysis", "run", *args])


def test_flask_analysis_run_on_the_sample_exits_0(app):
    result = flask_run(app, str(SAMPLE))
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["flags"]) == 99


@pytest.mark.parametrize(("column", "cell", "code"), NASTY_SCHOOL_CELLS, ids=lambda v: str(v)[:16])
def test_flask_analysis_run_exits_2_naming_row_and_column_of_a_nasty_number(
    app, tmp_path: Path, column: str, cell: str, code: str
):
    rows = [school(school_id="1"), school(school_id="2", **{column: cell})]
    (tmp_path / "schools.csv").write_bytes(to_csv(SCHOOL_HEADER, rows, delimiter=";"))
    result = flask_run(app, str(tmp_path))
    assert result.exit_code == 2, result.output  # 1 would be a traceback
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert f"schools.csv, řádek 3, sloupec „{column}“: " in result.stderr


def _broken_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.title = "schools"
    workbook.active.append(SCHOOL_HEADER)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()[:-100]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("data.xlsx", b"not a workbook", "nelze přečíst jako sešit XLSX"),
        ("data.xlsx", b"", "nelze přečíst jako sešit XLSX"),
        ("data.xlsx", None, "nelze přečíst jako sešit XLSX"),
        ("schools.csv", b"\xef\xbb\xbf", "Soubor je prázdný."),
        ("schools.csv", b"\x00\x01\x02", "UTF-8"),
        ("schools.csv", b"a;b\r\n" + b'"' + b"x" * 200_000 + b'"\r\n', "nelze přečíst jako CSV"),
    ],
    ids=["text-as-xlsx", "empty-xlsx", "truncated-xlsx", "bom-only", "binary", "huge-cell"],
)
def test_flask_analysis_run_exits_2_for_unreadable_files(app, tmp_path: Path, name: str, data, message: str):
    path = tmp_path / name
    path.write_bytes(_broken_workbook() if data is None else data)
    result = flask_run(app, str(path))
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert message in result.stderr
