"""Reading and validating the input tables (SPEC section 1).

Three ways in, one result:

* :func:`read_path` takes a folder with ``schools.csv`` (and optional ``classes.csv``), an ``.xlsx``
  workbook with sheets ``schools`` and ``classes``, or a ``schools.csv`` file itself (``classes=`` names
  its classes file);
* :func:`read_upload` takes in-memory files keyed by file name (the web upload);
* both return a :class:`~portal.analysis.model.Dataset` or raise
  :class:`~portal.analysis.model.ValidationFailed` listing **every** problem found. Nothing partial is ever
  returned: one bad cell rejects the whole input.

Real files come out of Czech Excel, so CSV may be UTF-8 (with or without BOM) or Windows-1250, separated by
commas or semicolons, with decimal commas. Cells are never evaluated: a cell that starts with ``=``, ``+``,
``-`` or ``@`` is plain data (in a numeric column it is simply "not a number", or "negative" for ``-3``).
Use :func:`neutralise_cell` when writing any value back to CSV/XLSX.

Whatever the bytes, the reader raises nothing but :class:`ValidationFailed`: every numeric cell goes through
:func:`parse_number`, and a file that cannot be parsed at all is one problem of the whole file.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from .model import SCHOOL_TYPES, Dataset, Problem, School, SchoolClass, ValidationFailed

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
#: An XLSX is a zip; refuse workbooks that would unpack to more than this many times the size limit (40 MiB
#: at the default 10 MiB), judged from the zip directory before anything is parsed. A national-size workbook
#: (4,000 sites, 40,000 classes) unpacks to about 13 MiB; the hardening issue's bomb (80 KiB) to 64 MiB.
#: zipfile never unpacks more than a member's declared size, so the directory cannot understate it.
XLSX_MAX_EXPANSION = 4
#: Columns read from a sheet. The tables have 18 and 7 columns and a sheet may carry its own beside them;
#: cells further right are ignored. Without a bound a sheet declaring 16,384 columns makes every row, and
#: every missing row openpyxl fills in, 16,384 cells wide.
XLSX_MAX_COLUMNS = 256
#: Excel's own row limit; openpyxl stops there even if a hostile file numbers a row 999,999,999.
XLSX_MAX_ROWS = 1_048_576
#: Longest XML token (tag, text, comment, CDATA, processing instruction) accepted in a workbook part. The XML
#: parser under openpyxl (expat before 2.6) rescans an unfinished token on every read, so one long token
#: costs quadratic time: 8 MiB of comment take over a second, the issue's 64 MiB over a minute. Excel's
#: longest cell text is 32,767 characters; nothing it writes comes near this.
XLSX_MAX_TOKEN = 1024 * 1024

#: Counts are stored in PostgreSQL ``integer`` columns (``portal.models.analysis``, and the indices store a
#: territory's total of one school type, checked too), whose largest value is 2**31 - 1. A larger count
#: would pass the preview and fail only when saved; no school site or class comes anywhere near it.
MAX_COUNT = 2_147_483_647
#: Funding per pupil (CZK) and test scores above a trillion are refused: no real value comes near it, whole
#: amounts stay exact in a float (below 2**53), and every sum and ratio the rules compute stays finite.
MAX_DECIMAL = 10**12
#: A number cell longer than this (spaces removed) is refused before any conversion, so neither Python's
#: 4,300-digit limit for ``int()`` nor float overflow is ever reached (MAX_DECIMAL has 13 digits).
MAX_NUMBER_LENGTH = 30

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Kind = Literal["text", "int", "decimal", "year", "type", "grade"]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind
    required: bool
    aliases: tuple[str, ...] = ()
    #: Longest text accepted: the length of the portal's column (``portal.models.analysis``), which would
    #: reject longer text only when saving on PostgreSQL.
    max_length: int | None = None


# Czech aliases are matched after the same normalisation as the English names (case, diacritics, spaces and
# underscores do not matter), so "Počet žáků", "pocet zaku" and "POCET_ZAKU" are all the same column.
SCHOOL_COLUMNS: tuple[Column, ...] = (
    Column("school_year", "year", True, ("školní rok", "rok")),
    Column("territory", "text", True, ("území", "orp", "obec"), 200),
    Column("school_id", "text", True, ("izo", "red izo", "red_izo", "id školy", "kód školy"), 40),
    Column("school_name", "text", True, ("název školy", "název", "škola"), 300),
    Column("school_type", "type", True, ("typ školy", "druh školy", "typ")),
    Column("pupils", "int", True, ("počet žáků", "žáci", "žáků", "počet dětí", "děti")),
    Column("disadvantaged", "int", True, ("znevýhodnění", "znevýhodnění žáci", "počet znevýhodněných")),
    Column("sen", "int", False, ("svp", "žáci se svp", "sni", "žáci s svp")),
    Column("mild_id", "int", False, ("lmp", "žáci s lmp")),
    Column("dropouts", "int", False, ("předčasné odchody", "odchody a opakování", "opakující")),
    Column("leavers", "int", False, ("vycházející", "absolventi", "vycházející žáci")),
    Column(
        "leavers_matura",
        "int",
        False,
        ("vycházející do maturitních oborů", "absolventi do maturitních oborů"),
    ),
    Column("disadvantaged_leavers", "int", False, ("znevýhodnění vycházející", "znevýhodnění absolventi")),
    Column(
        "disadvantaged_leavers_matura",
        "int",
        False,
        ("znevýhodnění vycházející do maturitních oborů", "znevýhodnění absolventi do maturitních oborů"),
    ),
    Column("competence_score", "decimal", False, ("výsledek testování", "skóre testování", "skóre")),
    Column("funding_per_pupil", "decimal", False, ("příspěvek na žáka", "financování na žáka")),
    Column("grade5_pupils", "int", False, ("žáci 5. ročníku", "žáků v 5. ročníku", "5. ročník")),
    Column("gym_outflow", "int", False, ("odchody na víceletá gymnázia", "odchod na gymnázium")),
)

CLASS_COLUMNS: tuple[Column, ...] = (
    Column("school_year", "year", True, ("školní rok", "rok")),
    Column("school_id", "text", True, ("izo", "red izo", "red_izo", "id školy", "kód školy"), 40),
    Column("grade", "grade", True, ("ročník",)),
    Column("class_name", "text", True, ("třída", "název třídy", "označení třídy"), 60),
    Column("pupils", "int", True, ("počet žáků", "žáci", "žáků")),
    Column("disadvantaged", "int", True, ("znevýhodnění", "znevýhodnění žáci", "počet znevýhodněných")),
    Column("stream", "text", False, ("zaměření", "obor", "skupina"), 200),
)

#: Longest accepted text per column (see :attr:`Column.max_length`).
TEXT_LIMITS: dict[str, int] = {
    c.name: c.max_length for c in (*SCHOOL_COLUMNS, *CLASS_COLUMNS) if c.max_length is not None
}

# (column, upper bound column, fallback bound column when the first one is empty) — SPEC section 1.
SCHOOL_BOUNDS: tuple[tuple[str, str, str | None], ...] = (
    ("disadvantaged", "pupils", None),
    ("sen", "pupils", None),
    ("mild_id", "sen", "pupils"),
    ("mild_id", "pupils", None),
    ("dropouts", "pupils", None),
    ("leavers", "pupils", None),
    ("leavers_matura", "leavers", "pupils"),
    ("disadvantaged_leavers", "leavers", "pupils"),
    ("disadvantaged_leavers_matura", "disadvantaged_leavers", "pupils"),
    ("gym_outflow", "grade5_pupils", "pupils"),
)
CLASS_BOUNDS: tuple[tuple[str, str, str | None], ...] = (("disadvantaged", "pupils", None),)

TYPE_ALIASES: dict[str, str] = {
    "ms": "MS",
    "materska skola": "MS",
    "zs": "ZS",
    "zakladni skola": "ZS",
    "ss": "SS",
    "stredni skola": "SS",
    "gym": "GYM",
    "gymnazium": "GYM",
    "vicelete gymnazium": "GYM",
}

SCHOOLS_NAMES = {"schools", "skoly"}
CLASSES_NAMES = {"classes", "tridy"}

# ASCII digits only: "\d" would also take Arabic-Indic or full-width digits, which float() converts.
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_EXPONENT_RE = re.compile(r"[+-]?[0-9.]+[eE][+-]?[0-9]+")
_SPACES_RE = re.compile(r"[\s\u00a0\u202f]")
_NOT_FINITE = frozenset({"inf", "infinity", "nan", "∞"})
_YEAR_RE = re.compile(r"^([0-9]{4})\s*/\s*([0-9]{2}|[0-9]{4})$")


# ---------------------------------------------------------------------------------------------- public API


def neutralise_cell(value: Any) -> Any:
    """Return ``value`` safe to put in an exported CSV/XLSX cell (CSV injection, SPEC section 1).

    Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return) gets a leading apostrophe; numbers, ``None`` and other text pass unchanged, so a negative
    *number* stays a number while the *text* ``"-3"`` becomes ``"'-3"``.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def read_path(
    path: str | Path, *, classes: str | Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Dataset:
    """Read and validate a folder, an ``.xlsx`` workbook or a ``schools.csv`` file.

    A folder must hold ``schools.csv`` and may hold ``classes.csv`` (names matched case-insensitively). For a
    CSV file path only that file is read unless ``classes`` names the classes file. Raises
    :class:`ValidationFailed` with every problem found.
    """
    path = Path(path)
    files: dict[str, bytes] = {}
    problems: list[Problem] = []

    def load(p: Path, as_name: str | None = None) -> None:
        name = as_name or p.name
        try:
            size = p.stat().st_size
        except OSError:
            problems.append(Problem(p.name, None, None, "missing_file", f"Soubor „{p}“ neexistuje."))
            return
        if size > max_bytes:
            problems.append(_too_large(p.name, size, max_bytes))
            return
        try:
            # read at most one byte past the limit: a device or a pipe reports size 0 and never ends
            with p.open("rb") as stream:
                data = stream.read(max_bytes + 1)
        except OSError as exc:
            problems.append(
                Problem(p.name, None, None, "unreadable_file", f"Soubor nelze otevřít ({exc.strerror}).")
            )
            return
        if len(data) > max_bytes:
            problems.append(
                Problem(
                    p.name,
                    None,
                    None,
                    "file_too_large",
                    f"Soubor je větší než povolených {_mib(max_bytes)} MiB.",
                )
            )
            return
        files[name] = data

    if path.is_dir():
        try:
            by_name = {child.name.lower(): child for child in path.iterdir() if child.is_file()}
        except OSError as exc:
            raise ValidationFailed(
                [Problem(str(path), None, None, "unreadable_file", f"Složku nelze otevřít ({exc.strerror}).")]
            ) from exc
        if "schools.csv" in by_name:
            load(by_name["schools.csv"], "schools.csv")
            if "classes.csv" in by_name:
                load(by_name["classes.csv"], "classes.csv")
        else:
            problems.append(_missing_schools(str(path)))
    elif path.suffix.lower() == ".xlsx":
        load(path)
    else:
        # An explicit CSV path is the schools table whatever it is called (e.g. "schools-excel-cz.csv").
        load(path, _force_role(path.name, "schools"))
        if classes is not None:
            load(Path(classes), _force_role(Path(classes).name, "classes"))
    if problems:
        raise ValidationFailed(problems)
    return read_upload(files, max_bytes=max_bytes)


def read_upload(files: Mapping[str, bytes], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Dataset:
    """Read and validate uploaded files keyed by file name (the web upload calls this).

    Accepted: one ``.xlsx`` workbook (sheets ``schools`` and optional ``classes``), or CSV files whose names
    start with ``schools``/``školy`` and ``classes``/``třídy``; a single CSV with any other name is taken as
    the schools table. Raises :class:`ValidationFailed` with every problem found.
    """
    problems: list[Problem] = []
    schools_table: _Table | None = None
    classes_table: _Table | None = None
    has_classes = False

    for name, data in files.items():
        if len(data) > max_bytes:
            problems.append(_too_large(name, len(data), max_bytes))
    if problems:
        raise ValidationFailed(problems)

    xlsx = [name for name in files if name.lower().endswith(".xlsx")]
    csvs = [name for name in files if not name.lower().endswith(".xlsx")]
    if xlsx:
        if len(xlsx) > 1 or csvs:
            problems.append(
                Problem(
                    "",
                    None,
                    None,
                    "unknown_file",
                    "Nahrajte buď jeden sešit XLSX, nebo soubory CSV, ne obojí.",
                )
            )
            raise ValidationFailed(problems)
        schools_table, classes_table = _read_xlsx(files[xlsx[0]], xlsx[0], max_bytes, problems)
        has_classes = classes_table is not None
    else:
        roles: dict[str, str] = {}
        for name in csvs:
            role = _csv_role(name)
            if role is None and len(csvs) == 1:
                role = "schools"
            if role is None:
                problems.append(
                    Problem(
                        name,
                        None,
                        None,
                        "unknown_file",
                        f"Nerozpoznaný soubor „{name}“: očekává se "
                        "schools.csv (školy) a volitelně classes.csv (třídy).",
                    )
                )
            elif role in roles:
                problems.append(
                    Problem(
                        name,
                        None,
                        None,
                        "unknown_file",
                        f"Tabulka „{role}“ je nahrána dvakrát ({roles[role]}, {name}).",
                    )
                )
            else:
                roles[role] = name
        for role, name in roles.items():
            table = _read_csv(files[name], name, problems)
            if role == "schools":
                schools_table = table
            else:
                classes_table = table
                has_classes = True
        if "schools" not in roles and not problems:
            problems.append(_missing_schools(""))

    if schools_table is None and not problems:
        problems.append(_missing_schools(""))
    dataset = _build_dataset(schools_table, classes_table, has_classes, problems)
    if problems or dataset is None:
        raise ValidationFailed(problems)
    dataset.source = ", ".join(_display(name) for name in files)
    return dataset


# ----------------------------------------------------------------------------------------- file formats


@dataclass(slots=True)
class _Table:
    source: str
    header_row: int
    header: list[Any]
    rows: list[tuple[int, list[Any]]]


def _force_role(name: str, role: str) -> str:
    return name if _csv_role(name) == role else f"{role}:{name}"


def _csv_role(name: str) -> str | None:
    if name.startswith("schools:"):
        return "schools"
    if name.startswith("classes:"):
        return "classes"
    stem = _normalise(Path(name).stem)
    if any(stem.startswith(n) for n in SCHOOLS_NAMES):
        return "schools"
    if any(stem.startswith(n) for n in CLASSES_NAMES):
        return "classes"
    return None


def _display(name: str) -> str:
    return name.split(":", 1)[1] if name.startswith(("schools:", "classes:")) else name


def _decode(data: bytes, source: str, problems: list[Problem]) -> str | None:
    # NUL bytes mean a binary file or UTF-16 ("Unicode text" from Excel): neither is a CSV we can read.
    if b"\x00" in data:
        problems.append(_encoding_problem(source))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1250")
    except UnicodeDecodeError:
        problems.append(_encoding_problem(source))
        return None


def _read_csv(data: bytes, name: str, problems: list[Problem]) -> _Table | None:
    source = _display(name)
    text = _decode(data, source, problems)
    if text is None:
        return None
    header_line = next((line for line in text.splitlines() if line.strip()), None)
    if header_line is None:
        problems.append(Problem(source, None, None, "empty_file", "Soubor je prázdný."))
        return None
    # Czech Excel writes semicolons (the comma is the decimal separator); count outside quotes.
    unquoted = re.sub(r'"[^"]*"', "", header_line)
    delimiter = max((";", ",", "\t"), key=lambda d: (unquoted.count(d), d == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error:
        # in practice a cell longer than the csv module's limit (131,072 characters)
        problems.append(
            Problem(
                source,
                None,
                None,
                "unreadable_file",
                f"Soubor nelze přečíst jako CSV (chyba na řádku {reader.line_num}: "
                "příliš dlouhá nebo poškozená buňka).",
            )
        )
        return None
    table = _table_from_records(source, records)
    if table is None:
        problems.append(Problem(source, None, None, "empty_file", "Soubor je prázdný."))
    return table


def _table_from_records(source: str, records: Iterable[list[Any] | tuple[Any, ...]]) -> _Table | None:
    header: list[Any] | None = None
    header_row = 0
    rows: list[tuple[int, list[Any]]] = []
    for number, record in enumerate(records, start=1):
        # Blank rows (";;;;" at the end of Excel exports, the rows openpyxl fills in for gaps) are skipped;
        # the count() test is cheap even for a million filled-in rows.
        if record.count(None) == len(record) or not any(_text(c) for c in record):
            continue
        cells = list(record)
        if header is None:
            header, header_row = cells, number
            continue
        rows.append((number, cells))
    if header is None:
        return None
    return _Table(source, header_row, header, rows)


def _read_xlsx(
    data: bytes, name: str, max_bytes: int, problems: list[Problem]
) -> tuple[_Table | None, _Table | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > XLSX_MAX_EXPANSION * max_bytes:
                problems.append(_too_large(name, unpacked, XLSX_MAX_EXPANSION * max_bytes, unpacked=True))
                return None, None
            overlong = any(
                _longest_xml_token(archive.read(info)) > XLSX_MAX_TOKEN
                for info in archive.infolist()
                if info.filename.lower().endswith((".xml", ".rels"))
            )
    except Exception:  # BadZipFile, but a damaged directory can raise ValueError, OSError, EOFError, ...
        problems.append(_unreadable_xlsx(name))
        return None, None
    if overlong:
        problems.append(
            Problem(
                _display(name),
                None,
                None,
                "unreadable_file",
                f"Sešit obsahuje značku, komentář nebo text delší než {XLSX_MAX_TOKEN // (1024 * 1024)} MiB, "
                "jaký Excel nevytváří; takový soubor se z bezpečnostních důvodů nenačítá. "
                "Otevřete jej v Excelu a uložte znovu.",
            )
        )
        return None, None

    import openpyxl  # imported lazily: CSV-only use (and the benchmark) need not pay for it

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles/extensions it ignores; irrelevant for reading values.
            warnings.simplefilter("ignore")
            # data_only=False: a formula cell reads as its text ("=A1+1"), never as a computed value.
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
            try:
                sheets = {_normalise(ws.title): ws for ws in workbook.worksheets}
                schools_ws = next((sheets[n] for n in SCHOOLS_NAMES if n in sheets), None)
                if schools_ws is None and len(sheets) == 1:
                    schools_ws = workbook.worksheets[0]
                classes_ws = next((sheets[n] for n in CLASSES_NAMES if n in sheets), None)
                schools = classes = None
                if schools_ws is None:
                    problems.append(
                        Problem(name, None, None, "missing_sheet", "Sešit nemá list „schools“ (školy).")
                    )
                else:
                    schools = _table_from_records(schools_ws.title, _sheet_rows(schools_ws))
                    if schools is None:
                        problems.append(
                            Problem(schools_ws.title, None, None, "empty_file", "List je prázdný.")
                        )
                if classes_ws is not None:
                    # A blank classes sheet (a template left empty) means "no classes", not an error.
                    classes = _table_from_records(classes_ws.title, _sheet_rows(classes_ws))
            finally:
                workbook.close()
    except Exception:
        # openpyxl (and zipfile, lxml, expat under it) raise many types for a broken workbook: KeyError for a
        # missing part, BadZipFile for damaged data, ValueError for a number it cannot convert, ...
        problems.append(_unreadable_xlsx(name))
        return None, None
    return schools, classes


def _longest_xml_token(xml: bytes) -> int:
    """Length of the longest token in an XML part, measured without parsing it.

    Comments, CDATA and processing instructions may contain ``<`` and ``>``, so they are measured from
    opener to closer (an unclosed one runs to the end); every other token, and every text, is what lies
    between two ``<``. Windows of 1 MiB keep the split's memory small on a 40 MiB part.
    """
    longest = 0
    for opener, closer in ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>")):
        start = xml.find(opener)
        while start != -1:
            end = xml.find(closer, start + len(opener))
            if end == -1:
                return len(xml) - start
            longest = max(longest, end + len(closer) - start)
            start = xml.find(opener, end)
    run = 0  # bytes since the last "<", carried across windows
    window = 1024 * 1024
    for offset in range(0, len(xml), window):
        pieces = xml[offset : offset + window].split(b"<")
        if len(pieces) == 1:
            run += len(pieces[0])
        else:
            longest = max(longest, run + len(pieces[0]), *map(len, pieces[1:-1]))
            run = len(pieces[-1])
        longest = max(longest, run)
    return longest


def _sheet_rows(sheet: Any) -> Iterable[tuple[Any, ...]]:
    # The dimension a sheet declares is only a claim: bound the width (XLSX_MAX_COLUMNS) and the rows.
    declared = sheet.max_column
    width = XLSX_MAX_COLUMNS
    if isinstance(declared, int) and 0 < declared < XLSX_MAX_COLUMNS:
        width = declared
    return sheet.iter_rows(max_col=width, max_row=XLSX_MAX_ROWS, values_only=True)


def _unreadable_xlsx(name: str) -> Problem:
    return Problem(
        _display(name),
        None,
        None,
        "unreadable_file",
        "Soubor nelze přečíst jako sešit XLSX (je poškozený nebo v jiném formátu).",
    )


# --------------------------------------------------------------------------------------------- validation


def _build_dataset(
    schools_table: _Table | None, classes_table: _Table | None, has_classes: bool, problems: list[Problem]
) -> Dataset | None:
    schools: list[School] = []
    classes: list[SchoolClass] = []
    known: dict[tuple[str, str], int] = {}
    if schools_table is not None:
        rows = _validate_table(schools_table, SCHOOL_COLUMNS, SCHOOL_BOUNDS, problems)
        if not rows:
            problems.append(
                Problem(
                    schools_table.source,
                    None,
                    None,
                    "empty_file",
                    "Tabulka škol neobsahuje žádné řádky s daty.",
                )
            )
        for number, values, ok in rows:
            key = (values.get("school_year"), values.get("school_id"))
            if key[0] and key[1]:
                if key in known:
                    problems.append(
                        Problem(
                            schools_table.source,
                            number,
                            "school_id",
                            "duplicate_school",
                            f"Škola s IZO {key[1]} je ve školním roce {key[0]} uvedena vícekrát "
                            f"(poprvé na řádku {known[key]}).",
                        )
                    )
                    continue
                known[key] = number
            if ok:
                schools.append(School(**values, row=number))
        _check_totals(
            schools_table.source,
            [(s.row, (s.school_year, s.territory, s.school_type), s.pupils) for s in schools],
            "škol typu {2} v území {1} ve školním roce {0}",
            problems,
        )
    if classes_table is not None:
        rows = _validate_table(classes_table, CLASS_COLUMNS, CLASS_BOUNDS, problems)
        seen: dict[tuple[str, str, str], int] = {}
        for number, values, ok in rows:
            year, school_id, name = (
                values.get("school_year"),
                values.get("school_id"),
                values.get("class_name"),
            )
            if year and school_id and schools_table is not None and (year, school_id) not in known:
                problems.append(
                    Problem(
                        classes_table.source,
                        number,
                        "school_id",
                        "unknown_school",
                        f"Třída patří škole s IZO {school_id} ve školním roce {year}, "
                        "která v tabulce škol není.",
                    )
                )
                ok = False
            if year and school_id and name:
                if (year, school_id, name) in seen:
                    problems.append(
                        Problem(
                            classes_table.source,
                            number,
                            "class_name",
                            "duplicate_class",
                            f"Třída {name} je ve škole s IZO {school_id} ve školním roce {year} uvedena "
                            f"vícekrát (poprvé na řádku {seen[(year, school_id, name)]}).",
                        )
                    )
                    continue
                seen[(year, school_id, name)] = number
            if ok:
                classes.append(SchoolClass(**values, row=number))
        _check_totals(
            classes_table.source,
            [(c.row, (c.school_year, c.school_id), c.pupils) for c in classes],
            "tříd školy s IZO {1} ve školním roce {0}",
            problems,
        )
    if problems:
        return None
    return Dataset(schools=schools, classes=classes, has_classes=has_classes)


def _check_totals(
    source: str, rows: list[tuple[int, tuple[str, ...], int]], what: str, problems: list[Problem]
) -> None:
    """The indices store the pupils of a group (a territory's sites of one type, a site's classes) as a
    PostgreSQL integer: a group whose total exceeds MAX_COUNT is a problem on the row that crosses it."""
    totals: dict[tuple[str, ...], int] = {}
    for number, key, pupils in rows:
        before = totals.get(key, 0)
        totals[key] = before + pupils
        if before <= MAX_COUNT < before + pupils:
            problems.append(
                Problem(
                    source,
                    number,
                    "pupils",
                    "total_too_large",
                    f"Součet žáků {what.format(*key)} by tímto řádkem přesáhl {_thousands(MAX_COUNT)}, "
                    "nejvyšší počet, který lze uložit.",
                )
            )


def _validate_table(
    table: _Table,
    columns: tuple[Column, ...],
    bounds: tuple[tuple[str, str, str | None], ...],
    problems: list[Problem],
) -> list[tuple[int, dict[str, Any], bool]]:
    """Parse every row; returns (row number, parsed values, row is valid) and appends problems."""
    source = table.source
    lookup: dict[str, Column] = {}
    for column in columns:
        for alias in (column.name, *column.aliases):
            lookup[_normalise(alias)] = column
    index: dict[str, int] = {}
    header_text: dict[str, str] = {}
    for position, cell in enumerate(table.header):
        label = _text(cell)
        column = lookup.get(_normalise(label)) if label else None
        if column is None:
            continue  # extra columns (notes, the founder's own codes) are allowed and ignored
        if column.name in index:
            problems.append(
                Problem(
                    source,
                    table.header_row,
                    column.name,
                    "duplicate_column",
                    f"Sloupec „{column.name}“ je v záhlaví dvakrát "
                    f"(„{_shown(header_text[column.name])}“ a „{_shown(label)}“).",
                )
            )
            continue
        index[column.name] = position
        header_text[column.name] = label
    for column in columns:
        if column.required and column.name not in index:
            problems.append(
                Problem(
                    source,
                    table.header_row,
                    column.name,
                    "missing_column",
                    f"Chybí povinný sloupec „{column.name}“.",
                )
            )
    present = [c for c in columns if c.name in index]
    all_required = all(c.name in index for c in columns if c.required)

    result: list[tuple[int, dict[str, Any], bool]] = []
    for number, cells in table.rows:  # blank rows are already left out (_table_from_records)
        values: dict[str, Any] = {c.name: None for c in columns}
        ok = all_required
        for column in present:
            position = index[column.name]
            raw = cells[position] if position < len(cells) else None
            value, problem = _parse(column, raw)
            if problem is not None:
                problems.append(Problem(source, number, column.name, problem[0], problem[1]))
                ok = False
            else:
                values[column.name] = value
        checked: set[tuple[str, str]] = set()
        for name, bound, fallback in bounds:
            value = values.get(name)
            limit_name = bound if values.get(bound) is not None else fallback
            if value is None or limit_name is None or (name, limit_name) in checked:
                continue
            checked.add((name, limit_name))
            limit = values.get(limit_name)
            if limit is not None and value > limit:
                problems.append(
                    Problem(
                        source,
                        number,
                        name,
                        "exceeds",
                        f"Hodnota {value} ve sloupci „{name}“ je větší než hodnota {limit} ve sloupci "
                        f"„{limit_name}“ "
                        f"({_BOUND_REASON.get((name, limit_name), 'musí být nejvýše rovna')}).",
                    )
                )
                ok = False
        result.append((number, values, ok))
    return result


_BOUND_REASON: dict[tuple[str, str], str] = {
    ("disadvantaged", "pupils"): "znevýhodněných žáků nemůže být víc než všech žáků",
    ("sen", "pupils"): "žáků se SVP nemůže být víc než všech žáků",
    ("mild_id", "sen"): "žáci s LMP jsou součástí žáků se SVP",
    ("mild_id", "pupils"): "žáků s LMP nemůže být víc než všech žáků",
    ("leavers_matura", "leavers"): "jde o část vycházejících žáků",
    ("disadvantaged_leavers", "leavers"): "jde o část vycházejících žáků",
    ("disadvantaged_leavers_matura", "disadvantaged_leavers"): "jde o část znevýhodněných vycházejících",
    ("gym_outflow", "grade5_pupils"): "odcházející jsou část žáků 5. ročníku",
}


def _parse(column: Column, raw: Any) -> tuple[Any, tuple[str, str] | None]:
    """Parse one cell; returns (value, None) or (None, (code, Czech reason))."""
    text = _text(raw)
    if not text:
        if column.required:
            return None, ("missing_value", "Chybí povinná hodnota.")
        return None, None
    kind = column.kind
    if kind == "text":
        if column.max_length is not None and len(text) > column.max_length:
            return None, (
                "too_long",
                f"Text „{_shown(text)}“ má {len(text)} znaků; v tomto sloupci je povoleno nejvýše "
                f"{column.max_length}.",
            )
        return text, None
    if kind == "year":
        return _parse_year(text)
    if kind == "type":
        code = TYPE_ALIASES.get(_normalise(text).replace("_", " "))
        if code is None:
            return None, (
                "unknown_school_type",
                f"Neznámý typ školy „{_shown(text)}“; povolené hodnoty jsou {', '.join(SCHOOL_TYPES)}.",
            )
        return code, None
    return parse_number(raw, kind, text)


def parse_number(
    raw: Any, kind: Literal["int", "grade", "decimal"], text: str | None = None
) -> tuple[int | float | None, tuple[str, str] | None]:
    """Parse one non-empty numeric cell: ``(value, None)`` or ``(None, (code, Czech reason))``; never raises.

    ``kind`` is a count (``int``, 0 to :data:`MAX_COUNT`), a ``grade`` (1 to 13) or a ``decimal`` (0 to
    :data:`MAX_DECIMAL`, e.g. funding per pupil or a test score). Accepted forms: an ``int`` or finite
    ``float`` from a workbook; text of ASCII digits with an optional sign, a decimal comma or point, and
    thousands grouped by (non-breaking) spaces, or by ``.``/``,`` when the other is the decimal separator
    (``1 234,5``, ``1.234,5``, ``1,234.5``). Refused, by code: ``number_too_long`` (over
    :data:`MAX_NUMBER_LENGTH` characters, checked before any conversion), ``not_finite`` (NaN or infinity in
    any spelling, or a workbook float that overflowed), ``not_a_number`` (anything else, exponents such as
    ``1e400`` included), ``not_integer`` (a count or grade with a fraction), ``grade_out_of_range``,
    ``negative`` and ``too_large``. Counts and grades come back as ``int``, decimals as ``float``.
    """
    if text is None:
        text = _text(raw)
    number: int | float | None
    if type(raw) is str and len(text) <= MAX_NUMBER_LENGTH and text.isascii() and text.isdigit():
        # the common case, worth a fast path on national-size files (plain digits: no sign, no fraction)
        number = float(text) if kind == "decimal" else int(text)
    else:
        number, problem = _number_syntax(raw, text, integer=kind != "decimal")
        if problem is not None:
            return None, problem
        assert number is not None
    if kind == "grade":
        if not 1 <= number <= 13:
            return None, ("grade_out_of_range", f"Ročník {_shown(text)} je mimo rozsah 1–13.")
        return number, None
    if number < 0:
        return None, ("negative", f"Hodnota {_shown(text)} je záporná; počty ani částky nemohou být záporné.")
    ceiling = MAX_DECIMAL if kind == "decimal" else MAX_COUNT
    if number > ceiling:
        return None, (
            "too_large",
            f"Hodnota {_shown(text)} je větší než nejvyšší povolená {_thousands(ceiling)}.",
        )
    return number, None


def _number_syntax(
    raw: Any, text: str, *, integer: bool
) -> tuple[int | float | None, tuple[str, str] | None]:
    """The accepted forms of :func:`parse_number`, before signs and ranges are checked."""
    if isinstance(raw, bool):
        return None, _not_a_number(text)
    if isinstance(raw, int):
        return raw, None
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return None, _not_finite(text)
        if integer:
            if not raw.is_integer():
                return None, ("not_integer", f"Hodnota „{_shown(text)}“ není celé číslo.")
            return int(raw), None
        return raw, None
    # Czech Excel: "1 234,5" with (non-breaking) spaces as thousands separators and a decimal comma.
    cleaned = _SPACES_RE.sub("", text)
    if len(cleaned) > MAX_NUMBER_LENGTH:
        return None, (
            "number_too_long",
            f"Hodnota „{_shown(text)}“ má {len(cleaned)} znaků; číslo smí mít nejvýše {MAX_NUMBER_LENGTH}.",
        )
    if cleaned.lstrip("+-").casefold() in _NOT_FINITE:
        return None, _not_finite(text)
    if "," in cleaned and "." in cleaned:
        # both present: the later one is the decimal separator, the other groups thousands
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    if not _NUMBER_RE.fullmatch(cleaned):
        return None, _not_a_number(text, exponent=bool(_EXPONENT_RE.fullmatch(cleaned)))
    if "." not in cleaned:
        return (int(cleaned) if integer else float(cleaned)), None
    # at most MAX_NUMBER_LENGTH characters: Decimal is exact and cheap, float() of it is finite
    value = Decimal(cleaned)
    if integer:
        if value != value.to_integral_value():
            return None, ("not_integer", f"Hodnota „{_shown(text)}“ není celé číslo.")
        return int(value), None
    return float(value), None


def _not_a_number(text: str, *, exponent: bool = False) -> tuple[str, str]:
    if text.startswith("="):
        hint = " (vzorce se nevyhodnocují; uložte do souboru hodnoty)"
    elif exponent:
        hint = " (zápis s exponentem se nepřijímá; napište číslo celé)"
    else:
        hint = ""
    return "not_a_number", f"Hodnota „{_shown(text)}“ není číslo{hint}."


def _not_finite(text: str) -> tuple[str, str]:
    return (
        "not_finite",
        f"Hodnota „{_shown(text)}“ není konečné číslo; NaN ani nekonečno nelze uložit ani s nimi počítat.",
    )


def _shown(text: str, limit: int = 24) -> str:
    """The cell as quoted in a message: long cells are cut, so a problem list stays readable."""
    return text if len(text) <= limit else text[:limit] + "…"


def _thousands(number: int) -> str:
    return f"{number:,}".replace(",", " ")


@functools.lru_cache(maxsize=256)
def _parse_year(text: str) -> tuple[str | None, tuple[str, str] | None]:
    match = _YEAR_RE.match(text)
    if match:
        start, end = int(match.group(1)), match.group(2)
        expected = start + 1
        if int(end) == (expected if len(end) == 4 else expected % 100):
            return f"{start}/{expected % 100:02d}", None
    return None, (
        "bad_school_year",
        f"Školní rok „{_shown(text)}“ nemá tvar RRRR/RR s po sobě jdoucími roky (např. 2025/26).",
    )


def _text(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an IZO typed as a number in Excel arrives as 102001001.0
    return str(value).strip()


def _normalise(label: str) -> str:
    decomposed = unicodedata.normalize("NFKD", label.strip().casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s_\-]+", "_", plain).strip("_")


def _too_large(name: str, size: int, limit: int, *, unpacked: bool = False) -> Problem:
    what = "Po rozbalení má sešit" if unpacked else "Soubor má"
    return Problem(
        _display(name),
        None,
        None,
        "file_too_large",
        f"{what} {_mib(size)} MiB, což je více než povolených {_mib(limit)} MiB.",
    )


def _mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


def _missing_schools(where: str) -> Problem:
    return Problem(
        where,
        None,
        None,
        "missing_file",
        "Chybí tabulka škol: soubor schools.csv nebo list „schools“ v sešitu XLSX.",
    )


def _encoding_problem(source: str) -> Problem:
    return Problem(
        source,
        None,
        None,
        "encoding",
        "Soubor nelze přečíst: není to text v kódování UTF-8 ani Windows-1250. "
        "V Excelu jej uložte jako „CSV UTF-8 (s oddělovači)“.",
    )
