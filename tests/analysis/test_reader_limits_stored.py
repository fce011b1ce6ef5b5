"""The reader's ceilings are what the portal can store: the largest input it accepts is saved by the portal's
models (run on PostgreSQL too, where an integer overflow, an over-long text or NaN in JSON would fail), and
one step beyond each ceiling is a listed problem instead of a failure at confirm.
"""

from __future__ import annotations

import dataclasses

import pytest

from portal.analysis import INDEX_NAMES, ValidationFailed, analyse, read_upload
from portal.analysis.reader import MAX_COUNT, MAX_DECIMAL, TEXT_LIMITS

from .builders import CLASS_HEADER, SCHOOL_HEADER, klass, school, to_csv

TERRITORY = "T" * TEXT_LIMITS["territory"]
NAME = "Š" * TEXT_LIMITS["school_name"]
BIG_ID = "9" * TEXT_LIMITS["school_id"]


def extreme_upload(*, pupils_step: int = 0) -> dict[str, bytes]:
    schools = [
        school(
            territory=TERRITORY,
            school_id=BIG_ID,
            school_name=NAME,
            pupils=MAX_COUNT - 1000 + pupils_step,
            disadvantaged=MAX_COUNT - 1000,
            funding_per_pupil=MAX_DECIMAL,
            competence_score=MAX_DECIMAL,
            leavers=MAX_COUNT - 1000,
            leavers_matura=0,
        ),
        school(territory=TERRITORY, school_id="2", pupils=1000, disadvantaged=0, funding_per_pupil=0),
    ]
    classes = [
        klass(
            school_id=BIG_ID,
            class_name="C" * TEXT_LIMITS["class_name"],
            stream="S" * TEXT_LIMITS["stream"],
            pupils=MAX_COUNT - 1000,
            disadvantaged=MAX_COUNT - 1000,
        ),
        klass(school_id=BIG_ID, class_name="1.B", pupils=1000, disadvantaged=0),
    ]
    return {"schools.csv": to_csv(SCHOOL_HEADER, schools), "classes.csv": to_csv(CLASS_HEADER, classes)}


def test_the_largest_accepted_input_is_stored_by_the_portal(db, factories):
    from portal.models.analysis import AnalysisDataset, ClassRecord, IndexRecord, SchoolRecord

    dataset = read_upload(extreme_upload())
    result = analyse(dataset)
    totals = [entry.values.pupils for entry in result.indices]
    assert max(totals) == MAX_COUNT  # a group at exactly the ceiling

    stored = AnalysisDataset(
        territory_id=factories.territory().id,
        school_year="2025/26",
        source=dataset.source,
        has_classes=True,
        skipped=[dataclasses.asdict(s) for s in result.skipped],
    )
    db.session.add(stored)
    db.session.flush()
    fields = {f.name for f in dataclasses.fields(dataset.schools[0])} - {"row"}
    for site in dataset.schools:
        db.session.add(SchoolRecord(dataset_id=stored.id, **{f: getattr(site, f) for f in fields}))
    class_fields = {f.name for f in dataclasses.fields(dataset.classes[0])} - {"row"}
    for unit in dataset.classes:
        db.session.add(ClassRecord(dataset_id=stored.id, **{f: getattr(unit, f) for f in class_fields}))
    for entry in result.indices:
        values = dataclasses.asdict(entry.values)
        db.session.add(
            IndexRecord(
                dataset_id=stored.id,
                level=entry.level,
                school_year=entry.school_year,
                territory=entry.territory,
                school_type=entry.school_type,
                school_id=entry.school_id,
                **{k: values[k] for k in ("units", "pupils", "disadvantaged", "share", *INDEX_NAMES)},
            )
        )
    db.session.flush()  # PostgreSQL checks integer range, VARCHAR lengths and JSON here
    db.session.expire_all()
    site = db.session.get(SchoolRecord, db.session.scalars(db.select(SchoolRecord.id)).first())
    assert site is not None and site.funding_per_pupil in (MAX_DECIMAL, 0)
    assert db.session.scalar(db.select(db.func.max(IndexRecord.pupils))) == MAX_COUNT


def test_one_pupil_more_is_a_problem_not_a_failure_when_saving():
    with pytest.raises(ValidationFailed) as info:
        read_upload(extreme_upload(pupils_step=1))
    assert {(p.source, p.row, p.column, p.code) for p in info.value.problems} == {
        ("schools.csv", 3, "pupils", "total_too_large")
    }
