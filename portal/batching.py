"""Batching for big writes and reads: PostgreSQL takes at most 65,535 bind parameters per statement, and
one huge statement is slow everywhere. Every ``IN (...)`` over data-sized lists and every bulk insert goes
through :func:`chunked`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

T = TypeVar("T")

#: Values per ``IN (...)``: well under PostgreSQL's 65,535 parameters, small enough for SQLite too.
IN_CHUNK = 5_000
#: Rows per bulk insert call (an executemany: each row is its own small statement in one pipeline).
INSERT_CHUNK = 5_000


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items (the last one shorter); nothing for no items."""
    if size < 1:
        raise ValueError("size must be positive")
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
