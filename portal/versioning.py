"""Optimistic locking of editable records: one mechanism for meetings, agenda, minutes, memberships, group
settings and analysis flags.

Each such model has an integer `version` column mapped as SQLAlchemy's `version_id_col`: every UPDATE says
`WHERE version = <the version loaded>` and raises it, so of two concurrent saves only the first changes the
row and the second fails with `StaleDataError`. Edit forms carry the version the user saw (a hidden field);
services call `check_version` first, so a save made from an outdated page is refused before anything is
changed (and before any e-mail is queued), however long ago the other save committed.
"""

from __future__ import annotations

from sqlalchemy.orm.exc import StaleDataError


class StaleEdit(Exception):
    """The record was saved by someone else after the user opened the form; nothing was changed."""

    def __init__(self, record):
        super().__init__(f"{type(record).__name__} {getattr(record, 'id', None)} changed meanwhile")
        self.record = record


# What a route catches to answer "someone else saved this meanwhile".
STALE_ERRORS = (StaleEdit, StaleDataError)


def check_version(record, seen: int | None) -> None:
    """Refuse a save made from a page showing another version of the record (or none at all)."""
    if seen is None or seen != record.version:
        raise StaleEdit(record)
