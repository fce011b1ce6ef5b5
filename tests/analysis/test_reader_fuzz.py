"""Fuzzing the reader with Hypothesis (hardening issue, item 6).

Any text in a numeric cell either reads as a valid value or is rejected with problems naming exactly that
cell; any bytes, any damaged workbook, give data or :class:`ValidationFailed`, never another exception.
Example counts stay modest: the suite runs twice in CI.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import re
import zipfile

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.analysis import ValidationFailed, read_upload
from portal.analysis.reader import MAX_COUNT, MAX_DECIMAL

from .builders import CLASS_HEADER, NASTY_SCHOOL_CELLS, SCHOOL_HEADER, klass, school, to_csv

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NUMERIC_CELLS = [
    *(
        ("schools.csv", column)
        for column in (
            "pupils",
            "disadvantaged",
            "sen",
            "mild_id",
            "dropouts",
            "leavers",
            "competence_score",
            "funding_per_pupil",
            "grade5_pupils",
            "gym_outflow",
        )
    ),
    *(("classes.csv", column) for column in ("grade", "pupils", "disadvantaged")),
]
DECIMAL_COLUMNS = {"competence_score", "funding_per_pupil"}
CODES = {
    "missing_value",
    "not_a_number",
    "not_finite",
    "number_too_long",
    "not_integer",
    "negative",
    "too_large",
    "total_too_large",
    "grade_out_of_range",
    "exceeds",
}

number_like = st.one_of(
    st.sampled_from([cell for _, cell, _ in NASTY_SCHOOL_CELLS]),
    st.integers(-(2**80), 2**80).map(str),
    st.integers(0, MAX_COUNT + 10).map(lambda n: f"{n:,}".replace(",", "\u00a0")),
    st.floats().map(repr),  # nan, inf, 1e+300, -0.0, 5e-324
    st.floats().map(lambda v: repr(v).replace(".", ",")),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),  # "sNaN", "-Infinity", "1E+12"
    st.integers(0, 6000).map(lambda n: "9" * n),
    st.integers(0, 600).map(lambda n: "+1" + "0" * n + ",5"),
    st.text(alphabet="0123456789+-.,eE \u00a0\u202finfatyINFATY∞", max_size=50),
    st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40),
)


def _encode(header: list[str], rows: list[dict[str, object]], delimiter: str, encoding: str) -> bytes:
    try:
        return to_csv(header, rows, delimiter=delimiter, encoding=encoding)
    except UnicodeEncodeError:  # Windows-1250 cannot hold every character
        return to_csv(header, rows, delimiter=delimiter, encoding="utf-8")


@FUZZ
@given(st.sampled_from(NUMERIC_CELLS), number_like, st.sampled_from([(",", "utf-8"), (";", "cp1250")]))
def test_any_numeric_cell_is_a_valid_value_or_a_problem_on_that_cell(target, cell, csv_format):
    source, column = target
    delimiter, encoding = csv_format
    schools = [school(school_id="1"), school(school_id="2", pupils=1000, disadvantaged=0)]
    classes = [klass(school_id="1"), klass(school_id="2", class_name="1.B", pupils=30, disadvantaged=0)]
    (schools if source == "schools.csv" else classes)[1][column] = cell
    files = {
        "schools.csv": _encode(SCHOOL_HEADER, schools, delimiter, encoding),
        "classes.csv": _encode(CLASS_HEADER, classes, delimiter, encoding),
    }
    try:
        dataset = read_upload(files)
    except ValidationFailed as exc:
        # the other rows are valid and nothing else depends on this cell: every problem is about it
        assert {(p.source, p.row, p.column) for p in exc.problems} == {(source, 3, column)}, exc.problems
        assert {p.code for p in exc.problems} <= CODES, exc.problems
        assert all(len(p.message) < 300 for p in exc.problems)
        return
    row = (dataset.schools if source == "schools.csv" else dataset.classes)[1]
    value = getattr(row, column)
    # whatever was accepted can be stored: finite, in range, JSON without NaN
    json.dumps([dataclasses.asdict(r) for r in (*dataset.schools, *dataset.classes)], allow_nan=False)
    if value is None:
        assert not cell.strip() and column not in ("pupils", "disadvantaged", "grade")
    elif column in DECIMAL_COLUMNS:
        assert type(value) is float and math.isfinite(value) and 0 <= value <= MAX_DECIMAL
    else:
        assert type(value) is int and 0 <= value <= MAX_COUNT
        if column == "grade":
            assert 1 <= value <= 13
    if re.fullmatch(r"\s*[0-9]{1,30}\s*", cell):
        assert value == int(cell)


def _workbook() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "schools"
    sheet.append(SCHOOL_HEADER)
    sheet.append(
        ["2025/26", "ORP Test", 1, "ZŠ Test", "ZS", 100, 10, 5, None, None, None, None, None, None, 1500.5]
    )
    classes = workbook.create_sheet("classes")
    classes.append(CLASS_HEADER)
    classes.append(["2025/26", "1", 1, "1.A", 20, 2, "sport"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


WORKBOOK = _workbook()
with zipfile.ZipFile(io.BytesIO(WORKBOOK)) as _archive:
    MEMBERS = {info.filename: _archive.read(info.filename) for info in _archive.infolist()}


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    buffer = bytearray(data)
    for position, value in edits:
        if buffer:
            buffer[position % len(buffer)] = value
    return bytes(buffer)


edits = st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 255)), min_size=1, max_size=8)


def read_or_reject(files: dict[str, bytes]) -> None:
    try:
        read_upload(files)
    except ValidationFailed as exc:
        assert exc.problems and all(p.message for p in exc.problems)


@FUZZ
@given(st.sampled_from(sorted(MEMBERS)), edits, st.booleans())
def test_a_damaged_workbook_is_data_or_a_validation_error(member, changes, truncate):
    """Damage inside a member (XML openpyxl must parse) and damage to the zip itself."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in MEMBERS.items():
            archive.writestr(name, _mutate(content, changes) if name == member else content)
    damaged = out.getvalue()
    if truncate:
        damaged = _mutate(WORKBOOK, changes)[: len(WORKBOOK) - changes[0][0] % 200]
    read_or_reject({"data.xlsx": damaged})


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from(["schools.csv", "data.xlsx", "classes.csv"]))
def test_any_bytes_are_data_or_a_validation_error(data, name):
    read_or_reject({name: data})


@FUZZ
@given(edits, st.sampled_from([(",", "utf-8"), (";", "cp1250")]))
def test_a_damaged_csv_is_data_or_a_validation_error(changes, csv_format):
    delimiter, encoding = csv_format
    rows = [school(school_id=str(n), school_name="ZŠ Žďár", competence_score="1 512,5") for n in range(3)]
    read_or_reject(
        {"schools.csv": _mutate(to_csv(SCHOOL_HEADER, rows, delimiter=delimiter, encoding=encoding), changes)}
    )
