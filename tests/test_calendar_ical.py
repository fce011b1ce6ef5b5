"""The iCalendar building blocks: line folding identical to icalendar's, calendar helpers."""

import random

import pytest
from icalendar import Calendar
from icalendar.parser.string import _foldline

from portal.calendar._fold import fold

ALPHABET = "abcXYZ 0123,;:\\^ěščřžýáíéůúĚŠČŘŽ€😀\t"


@pytest.mark.parametrize("seed", range(40))
def test_fast_folding_matches_icalendar(seed):
    rng = random.Random(seed)
    for _ in range(50):
        line = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 400)))
        assert fold(line) == _foldline(line), line


@pytest.mark.parametrize("line", ["", "x" * 74, "x" * 75, "x" * 73 + "\\n" + "y" * 80, "ž" * 40,
                                  "x" * 73 + "ž" * 5, "^" * 200, "\\" * 151])
def test_fast_folding_edge_cases(line):
    assert fold(line) == _foldline(line)


def test_folded_output_parses_back():
    from icalendar import Event

    event = Event()
    description = "Program: " + "; ".join(f"{n}. bod — přechody MŠ/ZŠ \\ ^" for n in range(30))
    event.add("description", description)
    calendar = Calendar()
    calendar.add_component(event)
    data = calendar.to_ical()
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    assert str(Calendar.from_ical(data).walk("VEVENT")[0]["DESCRIPTION"]) == description
