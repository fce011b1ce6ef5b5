"""Hostile input for the reader: each nasty value from the hardening issue (item 6) is a listed problem naming
its row and column, never a traceback; broken files are a problem of the whole file.

The CLI side of the same inputs (exit 2, never 1) is in ``test_cli.py``.
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from portal.analysis import Problem, ValidationFailed, read_upload
from portal.analysis.reader import MAX_COUNT, MAX_DECIMAL, MAX_NUMBER_LENGTH, TEXT_LIMITS, parse_number

from .builders import CLASS_HEADER, NASTY_SCHOOL_CELLS, SCHOOL_HEADER, klass, school, to_csv


def problems_of(files: dict[str, bytes]) -> list[Problem]:
    with pytest.raises(ValidationFailed) as info:
        read_upload(files)
    assert info.value.problems, "a rejection always lists at least one problem"
    return info.value.problems


def located(problems: list[Problem]) -> set[tuple[str, int | None, str | None, str]]:
    return {(p.source, p.row, p.column, p.code) for p in problems}


@pytest.mark.parametrize(("column", "cell", "code"), NASTY_SCHOOL_CELLS, ids=lambda v: str(v)[:16])
def test_nasty_number_in_schools_csv_is_a_problem_with_row_and_column(column: str, cell: str, code: str):
    data = to_csv(
        SCHOOL_HEADER, [school(school_id="1"), school(school_id="2", **{column: cell})], delimiter=";"
    )
    problems = problems_of({"schools.csv": data})
    assert ("schools.csv", 3, column, code) in located(problems), problems
    assert all(p.row is not None for p in problems), problems
    # the message quotes the cell shortened, never 5,000 digits
    assert all(len(p.message) < 300 for p in problems), problems


@pytest.mark.parametrize(
    ("column", "cell", "code"),
    [
        ("grade", "1" + "0" * 400, "number_too_long"),
        ("grade", "9" * 5000, "number_too_long"),
        ("grade", "inf", "not_finite"),
        ("pupils", "1e400", "not_a_number"),
        ("pupils", "2147483648", "too_large"),
        ("disadvantaged", "NaN", "not_finite"),
    ],
    ids=lambda v: str(v)[:16],
)
def test_nasty_number_in_classes_csv(column: str, cell: str, code: str):
    files = {
        "schools.csv": to_csv(SCHOOL_HEADER, [school()]),
        "classes.csv": to_csv(CLASS_HEADER, [klass(), klass(class_name="1.B", **{column: cell})]),
    }
    assert ("classes.csv", 3, column, code) in located(problems_of(files))


def test_accepted_number_forms():
    """Integers, a decimal comma or point, thousands grouped by (non-breaking) spaces or by the other
    separator; a leading plus; the ceilings themselves are still accepted."""
    rows = [
        school(school_id="1", pupils="+1 200", disadvantaged="200", funding_per_pupil="5 200,5"),
        school(
            school_id="2",
            territory="ORP Jiné",
            pupils="2\u00a0147\u00a0483\u00a0647",
            competence_score="1.234,5",
        ),
        school(school_id="3", pupils=" 0012 ", disadvantaged="0", funding_per_pupil="1,234.75"),
        school(school_id="4", pupils="120,0", disadvantaged="3.", competence_score=".5"),
        school(school_id="5", funding_per_pupil="1 000 000 000 000"),
    ]
    first, second, third, fourth, fifth = read_upload({"schools.csv": to_csv(SCHOOL_HEADER, rows)}).schools
    assert (first.pupils, first.disadvantaged, first.funding_per_pupil) == (1200, 200, 5200.5)
    assert (second.pupils, second.competence_score) == (MAX_COUNT, 1234.5)
    assert (third.pupils, third.disadvantaged, third.funding_per_pupil) == (12, 0, 1234.75)
    assert (fourth.pupils, fourth.disadvantaged, fourth.competence_score) == (120, 3, 0.5)
    assert fifth.funding_per_pupil == MAX_DECIMAL
    assert type(first.pupils) is int and type(first.funding_per_pupil) is float


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        (True, "int", "not_a_number"),  # a workbook boolean
        (float("nan"), "decimal", "not_finite"),
        (float("-inf"), "int", "not_finite"),
        (12.0, "int", 12),
        (12.5, "int", "not_integer"),
        (12.5, "decimal", 12.5),
        (2**31, "int", "too_large"),
        (2**31 - 1, "int", 2**31 - 1),
        (-1.0, "decimal", "negative"),
        (1e13, "decimal", "too_large"),
        (14, "grade", "grade_out_of_range"),
        ("", "int", "not_a_number"),
        ("0,0", "grade", "grade_out_of_range"),
    ],
)
def test_parse_number_on_workbook_values(raw: object, kind, expected: object):
    value, problem = parse_number(raw, kind)
    if isinstance(expected, str):
        assert value is None and problem is not None and problem[0] == expected
    else:
        assert problem is None and value == expected and type(value) is type(expected)


def test_ceilings_are_what_the_portal_can_store():
    assert MAX_COUNT == 2**31 - 1  # PostgreSQL "integer"
    assert MAX_DECIMAL < 2**53  # whole amounts stay exact in a float
    assert MAX_NUMBER_LENGTH < 4300  # never reach Python's int() digit limit


def test_a_total_above_the_integer_range_is_a_problem_on_the_row_that_crosses_it():
    """Indices store the pupils of a territory's sites of one type (and of a site's classes) as an integer."""
    big = 2_000_000_000
    rows = [
        school(school_id="1", pupils=big, disadvantaged=0),
        school(school_id="2", pupils=big, disadvantaged=0),
        school(school_id="3", pupils=big, disadvantaged=0, school_type="MS"),  # another type: its own total
    ]
    problems = problems_of({"schools.csv": to_csv(SCHOOL_HEADER, rows)})
    assert located(problems) == {("schools.csv", 3, "pupils", "total_too_large")}
    assert "2 147 483 647" in problems[0].message

    files = {
        "schools.csv": to_csv(SCHOOL_HEADER, [school(pupils=big, disadvantaged=0)]),
        "classes.csv": to_csv(
            CLASS_HEADER,
            [klass(pupils=big, disadvantaged=0), klass(class_name="1.B", pupils=big, disadvantaged=0)],
        ),
    }
    assert located(problems_of(files)) == {("classes.csv", 3, "pupils", "total_too_large")}


@pytest.mark.parametrize(("column", "limit"), sorted(TEXT_LIMITS.items()))
def test_text_longer_than_the_portal_stores_is_a_problem(column: str, limit: int):
    in_classes = column in ("class_name", "stream")
    name = "classes.csv" if in_classes else "schools.csv"

    def files(length: int) -> dict[str, bytes]:
        cell = {column: "x" * length}
        if in_classes:
            return {
                "schools.csv": to_csv(SCHOOL_HEADER, [school()]),
                "classes.csv": to_csv(CLASS_HEADER, [klass(**cell)]),
            }
        return {"schools.csv": to_csv(SCHOOL_HEADER, [school(**cell)])}

    read_upload(files(limit))
    problems = problems_of(files(limit + 1))
    assert located(problems) == {(name, 2, column, "too_long")}
    assert f"nejvýše {limit}" in problems[0].message


def test_text_limits_match_the_portal_columns():
    from portal.models.analysis import ClassRecord, SchoolRecord

    for column, limit in TEXT_LIMITS.items():
        for model in (SchoolRecord, ClassRecord):
            if column in model.__table__.c:
                assert model.__table__.c[column].type.length == limit, (model, column)


def test_a_huge_cell_is_a_problem_not_a_crash():
    huge = "x" * 300_000  # beyond the csv module's field size limit
    data = to_csv(SCHOOL_HEADER, [school(school_name=huge)])
    problems = problems_of({"schools.csv": data})
    assert all(len(p.message) < 300 for p in problems), problems
    assert {p.code for p in problems} <= {"unreadable_file", "too_long"}


# ------------------------------------------------------------------------------------------- whole files


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"\xef\xbb\xbf", "empty_file"),
        (b"\xef\xbb\xbf\r\n\r\n", "empty_file"),
        ("school_year,territory\r\n".encode("utf-16"), "encoding"),
        (bytes(range(256)) * 4, "encoding"),
        (b"\x89PNG\r\n\x1a\n" + b"\xff" * 64, "missing_column"),  # valid Windows-1250 text, not a table
        (b"PK\x03\x04" + b"\x00" * 30, "encoding"),  # a zip called .csv
        (b"a,b,c\r\n1,2,3\r\n", "missing_column"),
    ],
    ids=lambda v: repr(v)[:20],
)
def test_garbage_csv_is_a_problem_of_the_file(data: bytes, code: str):
    assert code in {p.code for p in problems_of({"schools.csv": data})}


def test_ragged_rows_and_duplicate_headers():
    header = ",".join(SCHOOL_HEADER[:7]) + ",pupils\r\n"
    short = "2025/26,ORP Test,1,ZŠ Test\r\n"  # four cells of seven
    long = "2025/26,ORP Test,2,ZŠ Test,ZS,10,1,10,extra,cells\r\n"
    problems = problems_of({"schools.csv": (header + short + long).encode()})
    assert ("schools.csv", 1, "pupils", "duplicate_column") in located(problems)
    assert ("schools.csv", 2, "school_type", "missing_value") in located(problems)
    assert ("schools.csv", 2, "pupils", "missing_value") in located(problems)
    assert not any(p.row == 3 for p in problems), problems


def _workbook(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "schools"
    sheet.append(SCHOOL_HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite(data: bytes, member: str, old: bytes, new: bytes) -> bytes:
    """The same workbook with ``old`` replaced by ``new`` in one member (what a hostile writer can do)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == member:
                assert old in content
                content = content.replace(old, new)
            target.writestr(info.filename, content)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
BASE = ["2025/26", "ORP Test", "1", "ZŠ Test", "ZS", 100, 10]


@pytest.mark.parametrize(
    ("column", "stored", "code"),
    [
        ("pupils", b"1E400", "not_finite"),  # openpyxl turns it into float("inf")
        ("pupils", b"-1E400", "not_finite"),
        ("pupils", b"2147483648", "too_large"),
        ("pupils", b"1E300", "too_large"),
        ("funding_per_pupil", b"1E300", "too_large"),
        ("competence_score", b"1E400", "not_finite"),
    ],
    ids=lambda v: v.decode() if isinstance(v, bytes) else str(v),
)
def test_nasty_numbers_in_an_xlsx_cell(column: str, stored: bytes, code: str):
    row = BASE + [None] * (len(SCHOOL_HEADER) - len(BASE))
    row[SCHOOL_HEADER.index(column)] = 4242.5
    data = _rewrite(_workbook([row]), SHEET, b"<v>4242.5</v>", b"<v>" + stored + b"</v>")
    problems = problems_of({"data.xlsx": data})
    assert ("schools", 2, column, code) in located(problems), problems


def _unreadable(data: bytes) -> Problem:
    problems = problems_of({"data.xlsx": data})
    assert [p.code for p in problems] == ["unreadable_file"], problems
    assert problems[0].message == "Soubor nelze přečíst jako sešit XLSX (je poškozený nebo v jiném formátu)."
    return problems[0]


def test_xlsx_that_is_not_a_workbook():
    _unreadable(b"")
    _unreadable(b"not a zip at all")
    _unreadable(b"PK\x03\x04" + b"\x00" * 100)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("hello.txt", "a zip, but not a workbook")
    _unreadable(zipped.getvalue())  # openpyxl: KeyError for the missing [Content_Types].xml


def test_xlsx_with_broken_parts():
    good = _workbook([BASE])
    _unreadable(_rewrite(good, SHEET, b"<sheetData>", b"<sheetData><broken"))  # XML syntax error
    _unreadable(_rewrite(good, "xl/workbook.xml", b"<sheets>", b"<sheets><sheet/>"))  # sheet without id
    _unreadable(_rewrite(good, SHEET, b"<v>100</v>", b"<v>Infinity</v>"))  # openpyxl's int() fails
    _unreadable(_rewrite(good, SHEET, b"<v>100</v>", b"<v>" + b"9" * 5000 + b"</v>"))
    _unreadable(good[: len(good) // 2])  # truncated download
    corrupted = bytearray(good)
    start = corrupted.index(b"xl/worksheets/sheet1.xml") + 40
    corrupted[start : start + 50] = b"\xff" * 50  # damaged compressed data
    _unreadable(bytes(corrupted))


def test_xlsx_claiming_the_whole_sheet_reads_only_what_is_there():
    """A sheet that declares 16,384 columns and a cell in the last row of Excel is read without building a
    million rows of 16,384 empty cells: the real rows are validated, the far cell is an extra column."""
    good = _workbook([BASE])
    data = _rewrite(good, SHEET, b'<dimension ref="A1:R2"/>', b'<dimension ref="A1:XFD1048576"/>')
    data = _rewrite(
        data,
        SHEET,
        b"</sheetData>",
        b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>far away</t></is></c></row></sheetData>',
    )
    (site,) = read_upload({"data.xlsx": data}).schools
    assert (site.school_id, site.pupils) == ("1", 100)


def test_workbook_that_unpacks_to_more_than_the_limit_is_refused_before_parsing():
    good = _workbook([BASE])
    # 64 MiB of whitespace in an XML comment compresses to a few dozen KiB (the 80 KiB bomb)
    bomb = _rewrite(good, SHEET, b"<sheetData>", b"<!--" + b" " * (64 * 1024 * 1024) + b"--><sheetData>")
    assert len(bomb) < 200 * 1024
    problems = problems_of({"data.xlsx": bomb})
    assert [p.code for p in problems] == ["file_too_large"]
    assert "Po rozbalení" in problems[0].message


@pytest.mark.parametrize(
    "inserted",
    [
        b"<!--" + b"<x> " * (512 * 1024) + b"-->",  # a 2 MiB comment; '<' and '>' inside do not hide it
        b'<extLst a="' + b"x" * (2 * 1024 * 1024) + b'"/>',  # one 2 MiB tag
        b"<![CDATA[" + b"<" * (2 * 1024 * 1024) + b"]]>",
        b"<?pi " + b"<>" * (1024 * 1024) + b"?>",
        b"<!--" + b" " * (2 * 1024 * 1024),  # never closed
    ],
    ids=["comment", "tag", "cdata", "processing-instruction", "unclosed-comment"],
)
def test_workbook_with_an_overlong_xml_token_is_refused_before_parsing(inserted: bytes):
    """The XML parser under openpyxl rescans an unfinished token on every read, so one long token costs
    quadratic time (the issue's 80 KiB workbook held 64 MiB of comment); Excel never writes one."""
    data = _rewrite(_workbook([BASE]), SHEET, b"<sheetData>", inserted + b"<sheetData>")
    problems = problems_of({"data.xlsx": data})
    assert [(p.source, p.code) for p in problems] == [("data.xlsx", "unreadable_file")]
    assert "delší než 1 MiB" in problems[0].message


def test_short_comments_and_long_text_in_a_workbook_are_fine():
    good = _workbook([BASE])
    data = _rewrite(good, SHEET, b"<sheetData>", b"<!-- written by hand -->" + b"<sheetData>")
    data = _rewrite(data, SHEET, b"<t>ORP Test</t>", b"<t>" + b"x" * 200 + b"</t>")
    (site,) = read_upload({"data.xlsx": data}).schools
    assert site.territory == "x" * 200


def test_a_huge_duplicate_header_is_quoted_short():
    huge = "pupils" + "_" * 100_000  # underscores do not matter when matching, so this is "pupils" again
    header = ",".join([*SCHOOL_HEADER[:7], huge])
    data = (header + "\r\n2025/26,T,1,A,ZS,10,1,10\r\n").encode()
    problems = problems_of({"schools.csv": data})
    assert [(p.row, p.column, p.code) for p in problems] == [(1, "pupils", "duplicate_column")]
    assert len(problems[0].message) < 300


def test_a_device_or_pipe_is_read_only_up_to_the_size_limit():
    """``flask analysis run /dev/zero`` reports a file too large instead of reading forever."""
    from portal.analysis import read_path

    with pytest.raises(ValidationFailed) as info:
        read_path("/dev/zero", max_bytes=1000)
    assert [p.code for p in info.value.problems] == ["file_too_large"]
