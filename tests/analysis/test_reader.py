"""Reading and validation (SPEC section 1, "Bad input")."""

from __future__ import annotations

import io

import openpyxl
import pytest

from portal.analysis import Problem, ValidationFailed, neutralise_cell, read_path, read_upload

from .builders import CLASS_HEADER, SAMPLE, SCHOOL_HEADER, klass, school, to_csv


def problems_of(files: dict[str, bytes], **kwargs: object) -> list[Problem]:
    with pytest.raises(ValidationFailed) as info:
        read_upload(files, **kwargs)  # type: ignore[arg-type]
    assert info.value.problems, "a rejection always lists at least one problem"
    return info.value.problems


def only(problems: list[Problem], code: str) -> Problem:
    matching = [p for p in problems if p.code == code]
    assert len(matching) == 1, problems
    return matching[0]


# ------------------------------------------------------------------------------------------- formats


def test_the_three_sample_forms_read_the_same_schools():
    folder = read_path(SAMPLE)
    workbook = read_path(SAMPLE / "vzorov.xlsx")
    excel_csv = read_path(SAMPLE / "schools-excel-cz.csv", classes=SAMPLE / "classes.csv")
    assert folder.schools == workbook.schools == excel_csv.schools
    assert folder.classes == workbook.classes == excel_csv.classes
    assert len(folder.schools) == 30 and len(folder.classes) == 306
    # decimal comma in the Czech Excel file
    assert excel_csv.schools[0].competence_score == pytest.approx(1576.8)


def test_utf8_bom_semicolons_and_decimal_comma():
    data = b"\xef\xbb\xbf" + to_csv(
        SCHOOL_HEADER, [school(competence_score="1 512,5", funding_per_pupil="5 200")], delimiter=";"
    )
    (site,) = read_upload({"schools.csv": data}).schools
    assert site.competence_score == 1512.5
    assert site.funding_per_pupil == 5200.0
    assert site.school_type == "ZS"


def test_windows_1250_is_detected():
    data = to_csv(SCHOOL_HEADER, [school(school_name="ZŠ Žďár, Příční")], delimiter=";", encoding="cp1250")
    (site,) = read_upload({"schools.csv": data}).schools
    assert site.school_name == "ZŠ Žďár, Příční"


def test_czech_column_names_and_type_labels():
    header = "Školní rok;Území;IZO;Název školy;Typ školy;Počet žáků;Znevýhodnění;SVP;LMP\n"
    row = "2025/26;ORP Test;600;ZŠ Test;ZŠ;100;10;5;1\n"
    (site,) = read_upload({"skoly.csv": (header + row).encode("utf-8")}).schools
    assert (site.school_type, site.pupils, site.disadvantaged, site.sen, site.mild_id) == (
        "ZS",
        100,
        10,
        5,
        1,
    )


def test_headers_match_case_insensitively_after_trimming():
    header = " School_Year , TERRITORY,school_id,School_Name,school_type,Pupils,disadvantaged\n"
    (site,) = read_upload({"schools.csv": (header + "2025/26,T,1,A,MS,10,1\n").encode()}).schools
    assert site.school_year == "2025/26" and site.school_type == "MS"


def test_formula_like_text_is_kept_as_data_and_neutralised_on_export():
    data = to_csv(SCHOOL_HEADER, [school(school_name='=HYPERLINK("http://x")', territory="@SUM(A1)")])
    (site,) = read_upload({"schools.csv": data}).schools
    assert site.school_name == '=HYPERLINK("http://x")'
    assert neutralise_cell(site.school_name) == '\'=HYPERLINK("http://x")'
    assert neutralise_cell(site.territory) == "'@SUM(A1)"
    for text in ("+1", "-3", "\tx", "\rx"):
        assert neutralise_cell(text) == "'" + text
    assert neutralise_cell(-3) == -3
    assert neutralise_cell(None) is None
    assert neutralise_cell("ZŠ Test") == "ZŠ Test"


def test_blank_trailing_rows_are_ignored():
    data = to_csv(SCHOOL_HEADER, [school()], delimiter=";") + b";;;;;;\r\n\r\n"
    assert len(read_upload({"schools.csv": data}).schools) == 1


def test_xlsx_upload_with_numeric_ids_and_empty_classes_sheet():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "schools"
    sheet.append(SCHOOL_HEADER[:7])
    sheet.append(["2025/26", "ORP Test", 102001001, "ZŠ Test", "ZS", 100, 10])
    workbook.create_sheet("classes")
    buffer = io.BytesIO()
    workbook.save(buffer)
    dataset = read_upload({"data.xlsx": buffer.getvalue()})
    assert dataset.schools[0].school_id == "102001001"
    # a blank classes sheet (a template left empty) means "no class data", not an error
    assert dataset.classes == [] and not dataset.has_classes


def test_xlsx_formula_cell_is_not_evaluated():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "schools"
    sheet.append(SCHOOL_HEADER[:7])
    sheet.append(["2025/26", "ORP Test", "1", "ZŠ Test", "ZS", "=50+50", 10])
    buffer = io.BytesIO()
    workbook.save(buffer)
    problem = only(problems_of({"data.xlsx": buffer.getvalue()}), "not_a_number")
    assert (problem.source, problem.row, problem.column) == ("schools", 2, "pupils")
    assert "vzorce se nevyhodnocují" in problem.message


# ------------------------------------------------------------------------------------------- bad input


def test_missing_required_column():
    data = to_csv([h for h in SCHOOL_HEADER if h != "disadvantaged"], [school()])
    problem = only(problems_of({"schools.csv": data}), "missing_column")
    assert (problem.source, problem.row, problem.column) == ("schools.csv", 1, "disadvantaged")
    assert problem.message == "Chybí povinný sloupec „disadvantaged“."


def test_not_a_number_and_not_an_integer():
    data = to_csv(SCHOOL_HEADER, [school(pupils="sto"), school(school_id="2", sen="1,5")])
    problems = problems_of({"schools.csv": data})
    nan = only(problems, "not_a_number")
    assert (nan.row, nan.column) == (2, "pupils")
    assert nan.message == "Hodnota „sto“ není číslo."
    frac = only(problems, "not_integer")
    assert (frac.row, frac.column) == (3, "sen")


def test_negative_number_is_negative_not_a_formula():
    problem = only(problems_of({"schools.csv": to_csv(SCHOOL_HEADER, [school(dropouts="-3")])}), "negative")
    assert (problem.row, problem.column) == (2, "dropouts")
    assert "záporná" in problem.message


def test_disadvantaged_greater_than_pupils():
    problem = only(
        problems_of({"schools.csv": to_csv(SCHOOL_HEADER, [school(pupils=10, disadvantaged=11)])}), "exceeds"
    )
    assert (problem.row, problem.column) == (2, "disadvantaged")
    assert "11" in problem.message and "10" in problem.message and "„pupils“" in problem.message


@pytest.mark.parametrize(
    ("values", "column", "bound"),
    [
        ({"sen": 101}, "sen", "pupils"),
        ({"sen": 5, "mild_id": 6}, "mild_id", "sen"),
        ({"mild_id": 101}, "mild_id", "pupils"),
        ({"dropouts": 101}, "dropouts", "pupils"),
        ({"leavers": 101}, "leavers", "pupils"),
        ({"leavers": 10, "leavers_matura": 11}, "leavers_matura", "leavers"),
        ({"leavers": 10, "disadvantaged_leavers": 11}, "disadvantaged_leavers", "leavers"),
        (
            {"leavers": 10, "disadvantaged_leavers": 3, "disadvantaged_leavers_matura": 4},
            "disadvantaged_leavers_matura",
            "disadvantaged_leavers",
        ),
        ({"grade5_pupils": 10, "gym_outflow": 11}, "gym_outflow", "grade5_pupils"),
        ({"gym_outflow": 101}, "gym_outflow", "pupils"),
    ],
)
def test_every_upper_bound(values: dict[str, object], column: str, bound: str):
    problem = only(problems_of({"schools.csv": to_csv(SCHOOL_HEADER, [school(**values)])}), "exceeds")
    assert (problem.row, problem.column) == (2, column)
    assert f"„{bound}“" in problem.message


def test_duplicate_school_id_within_a_year_but_not_across_years():
    rows = [school(), school(school_year="2024/25"), school(school_name="Jiná")]
    problem = only(problems_of({"schools.csv": to_csv(SCHOOL_HEADER, rows)}), "duplicate_school")
    assert (problem.row, problem.column) == (4, "school_id")
    assert "poprvé na řádku 2" in problem.message


def test_class_of_an_unknown_school():
    files = {
        "schools.csv": to_csv(SCHOOL_HEADER, [school()]),
        "classes.csv": to_csv(
            CLASS_HEADER,
            [
                klass(),
                klass(class_name="1.B", school_id="999"),
                klass(class_name="1.C", school_year="2024/25"),
            ],
        ),
    }
    problems = [p for p in problems_of(files) if p.code == "unknown_school"]
    assert [(p.source, p.row, p.column) for p in problems] == [
        ("classes.csv", 3, "school_id"),
        ("classes.csv", 4, "school_id"),
    ]


def test_duplicate_class_name_and_class_bounds():
    files = {
        "schools.csv": to_csv(SCHOOL_HEADER, [school()]),
        "classes.csv": to_csv(CLASS_HEADER, [klass(), klass(pupils=5, disadvantaged=6)]),
    }
    problems = problems_of(files)
    duplicate = only(problems, "duplicate_class")
    assert (duplicate.row, duplicate.column) == (3, "class_name")
    exceeds = only(problems, "exceeds")
    assert (exceeds.source, exceeds.row, exceeds.column) == ("classes.csv", 3, "disadvantaged")


@pytest.mark.parametrize("grade", ["0", "14", "-1"])
def test_grade_out_of_range(grade: str):
    files = {
        "schools.csv": to_csv(SCHOOL_HEADER, [school()]),
        "classes.csv": to_csv(CLASS_HEADER, [klass(grade=grade)]),
    }
    problem = only(problems_of(files), "grade_out_of_range")
    assert (problem.row, problem.column) == (2, "grade")


def test_unknown_school_type():
    problem = only(
        problems_of({"schools.csv": to_csv(SCHOOL_HEADER, [school(school_type="VŠ")])}), "unknown_school_type"
    )
    assert (problem.row, problem.column) == (2, "school_type")
    assert "MS, ZS, SS, GYM" in problem.message


@pytest.mark.parametrize("year", ["2025/27", "2025", "25/26", "2025-26x", "2025/2027"])
def test_bad_school_year(year: str):
    problem = only(
        problems_of({"schools.csv": to_csv(SCHOOL_HEADER, [school(school_year=year)])}), "bad_school_year"
    )
    assert (problem.row, problem.column) == (2, "school_year")


def test_school_year_long_form_is_normalised():
    (site,) = read_upload({"schools.csv": to_csv(SCHOOL_HEADER, [school(school_year="2099/2100")])}).schools
    assert site.school_year == "2099/00"


def test_missing_required_value():
    problem = only(
        problems_of({"schools.csv": to_csv(SCHOOL_HEADER, [school(school_name="  ")])}), "missing_value"
    )
    assert (problem.row, problem.column) == (2, "school_name")


@pytest.mark.parametrize("data", [b"\x00\x01binary", b"school_year,\x81\x98"])
def test_unreadable_encoding(data: bytes):
    problem = only(problems_of({"schools.csv": data}), "encoding")
    assert problem.row is None and "UTF-8" in problem.message


@pytest.mark.parametrize("data", [b"", b"\r\n  \r\n", b";;;\r\n"])
def test_empty_file(data: bytes):
    problem = only(problems_of({"schools.csv": data}), "empty_file")
    assert problem.source == "schools.csv"


def test_header_only_schools_file_is_empty():
    only(problems_of({"schools.csv": to_csv(SCHOOL_HEADER, [])}), "empty_file")


def test_file_too_large(tmp_path):
    data = to_csv(SCHOOL_HEADER, [school(school_id=str(i)) for i in range(50)])
    problem = only(problems_of({"schools.csv": data}, max_bytes=1000), "file_too_large")
    assert "MiB" in problem.message
    path = tmp_path / "schools.csv"
    path.write_bytes(data)
    with pytest.raises(ValidationFailed) as info:
        read_path(tmp_path, max_bytes=1000)
    assert [p.code for p in info.value.problems] == ["file_too_large"]


def test_broken_xlsx_and_missing_sheet():
    only(problems_of({"data.xlsx": b"PK\x03\x04 not really"}), "unreadable_file")
    workbook = openpyxl.Workbook()
    workbook.active.title = "list1"
    workbook.create_sheet("list2")
    buffer = io.BytesIO()
    workbook.save(buffer)
    only(problems_of({"data.xlsx": buffer.getvalue()}), "missing_sheet")


def test_missing_schools_table_and_unknown_files(tmp_path):
    only(problems_of({"classes.csv": to_csv(CLASS_HEADER, [klass()])}), "missing_file")
    problems = problems_of({"a.csv": b"x", "b.csv": b"y"})
    assert {p.code for p in problems} == {"unknown_file"}
    with pytest.raises(ValidationFailed) as info:
        read_path(tmp_path)
    assert [p.code for p in info.value.problems] == ["missing_file"]


def test_every_problem_is_listed_at_once_and_nothing_partial_is_returned():
    rows = [
        school(school_id="1"),
        school(school_id="2", pupils="x"),
        school(school_id="3", school_type="?"),
        school(school_id="4"),
    ]
    problems = problems_of({"schools.csv": to_csv(SCHOOL_HEADER, rows)})
    assert [(p.row, p.code) for p in problems] == [(3, "not_a_number"), (4, "unknown_school_type")]
    assert str(problems[0]) == "schools.csv, řádek 3, sloupec „pupils“: Hodnota „x“ není číslo."
    assert problems[0].to_dict()["code"] == "not_a_number"


def test_validation_failed_message_lists_problems():
    with pytest.raises(ValidationFailed) as info:
        read_upload({"schools.csv": to_csv(SCHOOL_HEADER, [school(pupils=-1)])})
    assert "řádek 2" in str(info.value)
