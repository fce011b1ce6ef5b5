"""Keeping a group's activity reports: the draft texts, frozen versions, publishing, and what changed since.

* `save_draft` keeps the coordinator's foreword and notes for a group and period (optimistic locking).
* `start_generation` queues a background job (kind ``reports.generate``) that gathers the report
  (`portal.reports.collect.collect`), renders it to HTML, PDF and DOCX at once (`portal.reports.render`)
  and stores all of it as a numbered `ReportVersion`. A version is never rendered again: each download is
  the file made that day, byte for byte, whatever happens to the data later.
* `data_changed_since(version)` compares the digest of the period's current data with the stored one.
  Pages read the latest digest kept in `ReportCheck` and refresh it when it is older than
  ``REPORTS_CHECK_TTL`` seconds (`refresh_checks`): at once when gathering the period is quick (the demo
  group's year takes ~0.1 s), in a ``reports.check`` background job when it is not (a big group's year
  takes over a second: see `bench/report_bench.py`), so that no web worker waits for seconds.
* `publish` / `unpublish` change who may read a version (coordinators → members → everyone); `can_read`
  and `readable_versions` apply it.

The digests: ``data_digest`` is the SHA-256 of the report without the foreword and notes (so editing the
texts is not "the data changed"); ``report_digest`` is that of the whole stored JSON.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import audit, clock, jobs
from portal.extensions import db
from portal.groups import services as groups
from portal.models import Job, JobState, Role, User, WorkingGroup
from portal.models.base import utcnow
from portal.models.groups import Membership
from portal.models.reports import ReportCheck, ReportDraft, ReportVersion, ReportVisibility
from portal.reports.collect import collect
from portal.reports.model import Report
from portal.versioning import StaleEdit, check_version

GENERATE = "reports.generate"
CHECK = "reports.check"
FORMATS = ("html", "pdf", "docx")
LANGUAGES = ("cs", "en")
#: The longest foreword and notes (characters); the form states it and refuses longer texts.
TEXT_LIMIT = 20_000
#: The first year a report can be about (the MAP working groups began in 2015).
FIRST_YEAR = 2015

jobs.register(GENERATE, "portal.reports.keeping:generate_job")
jobs.register(CHECK, "portal.reports.keeping:check_job")


class ReportError(ValueError):
    """A refusal for the user; the message is already translated."""


# ---- periods -----------------------------------------------------------------------------------------


def year_period(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def default_year() -> int:
    """The year a report is usually written about: last year."""
    return clock.today().year - 1


def check_period(start: date, end: date) -> None:
    """Refuse a period that ends before it starts, lies before 2015 or starts in the future."""
    if end < start:
        raise ReportError(_("The period ends before it starts. Check the dates."))
    if start.year < FIRST_YEAR:
        raise ReportError(_("A report cannot cover time before 2015: the working groups of the local action "
                            "plans (MAP) began then. Check the year."))
    if start > clock.today():
        raise ReportError(_("The period has not begun yet; a report can only cover time that has passed or "
                            "is passing."))
    if (end - start).days > 5 * 366:
        raise ReportError(_("A report covers at most five years. Choose a shorter period."))


def years_to_report(group: WorkingGroup) -> list[int]:
    """The years a report can be about, newest first: from the group's first record to this year."""
    first = clock.today().year
    created = group.created_at.astimezone(clock.zone()).year if group.created_at else first
    earliest_membership = db.session.scalar(
        select(func.min(Membership.joined_on)).where(Membership.group_id == group.id))
    candidates = [created] + ([earliest_membership.year] if earliest_membership else [])
    first = max(FIRST_YEAR, min(candidates + [first - 1]))
    return list(range(clock.today().year, first - 1, -1))


# ---- drafts ------------------------------------------------------------------------------------------


def draft_of(group: WorkingGroup, start: date, end: date) -> ReportDraft | None:
    return db.session.scalar(select(ReportDraft).where(
        ReportDraft.group_id == group.id, ReportDraft.start == start, ReportDraft.end == end))


def save_draft(group: WorkingGroup, start: date, end: date, *, foreword: str | None, notes: str | None,
               seen_version: int | None, actor: User) -> ReportDraft:
    """Keep the foreword and notes of the group's report for the period. `seen_version` is the draft's
    version the form showed (0 when there was none yet): a save from an outdated page raises `StaleEdit`."""
    check_period(start, end)
    foreword = (foreword or "").strip() or None
    notes = (notes or "").strip() or None
    for text in (foreword, notes):
        if text and len(text) > TEXT_LIMIT:
            raise ReportError(_("The text is too long."))
    draft = draft_of(group, start, end)
    if draft is None:
        if seen_version != 0:  # the form showed a draft that is gone: someone else's change
            raise StaleEdit(ReportDraft(group_id=group.id, start=start, end=end))
        draft = ReportDraft(group_id=group.id, start=start, end=end)
        db.session.add(draft)
    else:
        check_version(draft, seen_version)
    draft.foreword, draft.notes = foreword, notes
    draft.updated_by_id = actor.id
    draft.updated_at = utcnow()
    db.session.flush()
    audit.record("report.draft_saved", draft, actor=actor, territory_id=group.territory_id,
                 group_id=group.id, start=start.isoformat(), end=end.isoformat())
    return draft


# ---- generating ----------------------------------------------------------------------------------------


def _same_period(payload: dict[str, Any], group: WorkingGroup, start: date, end: date, language: str) -> bool:
    return (payload.get("group_id") == group.id and payload.get("start") == start.isoformat()
            and payload.get("end") == end.isoformat() and payload.get("language") == language)


def pending_job(kind: str, group: WorkingGroup, start: date, end: date, language: str) -> Job | None:
    """The queued or running job of this kind for the same group, period and language, if any."""
    running = db.session.scalars(select(Job).where(
        Job.kind == kind, Job.state.in_((JobState.QUEUED.value, JobState.RUNNING.value))
    ).order_by(Job.id))
    return next((job for job in running if _same_period(job.payload or {}, group, start, end, language)),
                None)


def start_generation(group: WorkingGroup, start: date, end: date, language: str, *, actor: User) -> Job:
    """Queue the generation of a new version (dispatched after the commit). While one for the same group,
    period and language is queued or running, that job is returned instead of a second one."""
    check_period(start, end)
    if language not in LANGUAGES:
        raise ReportError(_("Choose the language of the report."))
    if (job := pending_job(GENERATE, group, start, end, language)) is not None:
        return job
    draft = draft_of(group, start, end)
    job = jobs.enqueue(GENERATE, {
        "group_id": group.id, "start": start.isoformat(), "end": end.isoformat(), "language": language,
        # The texts as the coordinator saw them when they asked (a later edit makes a later version).
        "foreword": draft.foreword if draft else None, "notes": draft.notes if draft else None,
    }, actor=actor)
    audit.record("report.generation_requested", group, actor=actor, territory_id=group.territory_id,
                 job_id=job.id, start=start.isoformat(), end=end.isoformat(), language=language)
    return job


def data_digest(report: Report) -> str:
    """The digest of what the report says about the data: the report without the foreword and notes."""
    return dataclasses.replace(report, foreword=None, notes=None).digest()


def render_all(report: Report, progress: Callable[[int, str], None] | None = None) -> dict[str, Any]:
    """The report rendered in every format at once (r1's renderer), and as the version page's fragment."""
    from portal.reports.render import html_fragment, render

    files: dict[str, Any] = {}
    for step, fmt in enumerate(FORMATS):
        if progress:
            progress(30 + 20 * step, f"render_{fmt}")
        files[fmt] = render(report, fmt)
    files["fragment"] = str(html_fragment(report))
    return files


def next_number(group_id: int, start: date, end: date, language: str) -> int:
    last = db.session.scalar(select(func.max(ReportVersion.number)).where(
        ReportVersion.group_id == group_id, ReportVersion.start == start, ReportVersion.end == end,
        ReportVersion.language == language))
    return (last or 0) + 1


def generate(group: WorkingGroup, start: date, end: date, language: str, *, foreword: str | None,
             notes: str | None, author: User | None, author_name: str | None = None,
             job_id: int | None = None, progress: Callable[[int, str], None] | None = None) -> ReportVersion:
    """Gather, render and store a new frozen version (flushed; the caller commits)."""
    if progress:
        progress(5, "collecting")
    began = time.perf_counter()
    report = collect(group, start, end, language=language, foreword=foreword, notes=notes)
    collect_ms = round((time.perf_counter() - began) * 1000)
    files = render_all(report, progress)
    if progress:
        progress(95, "saving")
    version = ReportVersion(
        group_id=group.id, start=start, end=end, language=language,
        number=next_number(group.id, start, end, language), title=report.title,
        generated_at=utcnow(), author_id=author.id if author else None,
        author_name=author.name if author else (author_name or "—"),
        data_digest=data_digest(report), report_digest=report.digest(), collect_ms=collect_ms,
        data_json=report.to_json(), html=files["html"], pdf=files["pdf"], docx=files["docx"],
        fragment=files["fragment"],
        visibility=ReportVisibility.COORDINATORS.value, job_id=job_id,
    )
    db.session.add(version)
    db.session.flush()
    _remember_check(group.id, start, end, language, version.data_digest, job_id)
    audit.record("report.generated", version, actor=author, territory_id=group.territory_id,
                 group_id=group.id, number=version.number, language=language, digest=version.data_digest)
    return version


def generate_job(job_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """Job "reports.generate": gather, render and store a version; the result names it."""
    with jobs.app_context():
        group = db.session.get(WorkingGroup, payload["group_id"])
        if group is None:
            raise jobs.Rejected({"gone": True})
        job = db.session.get(Job, job_id)
        author = db.session.get(User, job.created_by_id) if job and job.created_by_id else None
        start, end = date.fromisoformat(payload["start"]), date.fromisoformat(payload["end"])
        arguments = dict(foreword=payload.get("foreword"), notes=payload.get("notes"), author=author,
                         job_id=job_id, progress=lambda percent, step: jobs.progress(job_id, percent, step))
        for attempt in range(3):
            try:
                version = generate(group, start, end, payload["language"], **arguments)
                db.session.commit()
                break
            except IntegrityError:  # another job took the same number meanwhile: take the next one
                db.session.rollback()
                if attempt == 2:
                    raise
        return {"version_id": version.id, "number": version.number}


# ---- has the data changed since? ---------------------------------------------------------------------


def _remember_check(group_id: int, start: date, end: date, language: str, digest: str,
                    job_id: int | None) -> None:
    check = db.session.scalar(select(ReportCheck).where(
        ReportCheck.group_id == group_id, ReportCheck.start == start, ReportCheck.end == end,
        ReportCheck.language == language))
    if check is None:
        check = ReportCheck(group_id=group_id, start=start, end=end, language=language)
        db.session.add(check)
    check.data_digest, check.checked_at, check.job_id = digest, utcnow(), job_id
    db.session.flush()


def current_digest(group: WorkingGroup, start: date, end: date, language: str) -> str:
    """The digest of the period's data as it is now (gathers the whole report: seconds for a big year)."""
    return data_digest(collect(group, start, end, language=language))


def check_job(job_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """Job "reports.check": the digest of the period's current data, kept for the pages."""
    with jobs.app_context():
        group = db.session.get(WorkingGroup, payload["group_id"])
        if group is None:
            raise jobs.Rejected({"gone": True})
        start, end = date.fromisoformat(payload["start"]), date.fromisoformat(payload["end"])
        jobs.progress(job_id, 10, "collecting")
        digest = current_digest(group, start, end, payload["language"])
        for attempt in range(2):
            try:
                _remember_check(group.id, start, end, payload["language"], digest, job_id)
                db.session.commit()
                break
            except IntegrityError:  # a concurrent check inserted the row first: update it
                db.session.rollback()
                if attempt == 1:
                    raise
        return {"digest": digest}


def check_of(group: WorkingGroup, start: date, end: date, language: str) -> ReportCheck | None:
    return db.session.scalar(select(ReportCheck).where(
        ReportCheck.group_id == group.id, ReportCheck.start == start, ReportCheck.end == end,
        ReportCheck.language == language))


def checks_of(group: WorkingGroup) -> dict[tuple[date, date, str], ReportCheck]:
    """Every check of the group's periods and languages, in one query (a page lists many versions)."""
    return {(c.start, c.end, c.language): c
            for c in db.session.scalars(select(ReportCheck).where(ReportCheck.group_id == group.id))}


def refresh_checks(group: WorkingGroup, versions: list[ReportVersion], *, actor: User | None,
                   recheck_quick: bool = False) -> list[Job]:
    """Bring the checks of `versions`' periods and languages up to date when the last one is older than
    ``REPORTS_CHECK_TTL`` seconds: at once while the gathering (as long as it took when the period's newest
    version was made; the demo group's year: ~0.1 s) fits, with the others done in this request, within
    ``REPORTS_INLINE_CHECK_MS``; else by queuing a ``reports.check`` job (unless one is queued or running).
    Newest periods first. Returns the queued jobs; the caller commits (which starts them).

    With `recheck_quick` (the coordinator's pages), a check that fits the inline budget is made again even
    when it is younger than the TTL: a coordinator who has just ended a membership must not read "the data
    has not changed" for another minute. Slow periods still follow the TTL (and their jobs)."""
    ttl = timedelta(seconds=float(current_app.config.get("REPORTS_CHECK_TTL", 60)))
    inline_ms = int(current_app.config.get("REPORTS_INLINE_CHECK_MS", 300))
    newest: dict[tuple[date, date, str], ReportVersion] = {}
    for version in versions:
        key = (version.start, version.end, version.language)
        if key not in newest or version.generated_at > newest[key].generated_at:
            newest[key] = version
    queued = []
    spent = 0.0  # ms of this request spent gathering: the inline checks together stay within inline_ms
    checks = checks_of(group) if newest else {}
    for (start, end, language), version in sorted(newest.items(), key=lambda item: item[0], reverse=True):
        check = checks.get((start, end, language))
        quick = spent + version.collect_ms <= inline_ms
        fresh = check is not None and check.checked_at is not None and check.checked_at > utcnow() - ttl
        if fresh and not (recheck_quick and quick):
            continue
        if quick:
            began = time.perf_counter()
            _remember_check(group.id, start, end, language, current_digest(group, start, end, language), None)
            spent += max(version.collect_ms, (time.perf_counter() - began) * 1000)
            continue
        if pending_job(CHECK, group, start, end, language) is not None:
            continue
        queued.append(jobs.enqueue(CHECK, {"group_id": group.id, "start": start.isoformat(),
                                           "end": end.isoformat(), "language": language}, actor=actor))
    return queued


def data_changed_since(version: ReportVersion, *, fresh: bool = False,
                       checks: dict[tuple[date, date, str], ReportCheck] | None = None) -> bool | None:
    """Has the data of the version's period changed since it was generated? With `fresh`, gathered now
    (the CLI, tests); otherwise from the last check (None when no check is newer than the version).
    `checks` (from `checks_of`) saves a query per version where a page lists many."""
    if fresh:
        now = current_digest(version.group, version.start, version.end, version.language)
        return now != version.data_digest
    key = (version.start, version.end, version.language)
    check = checks.get(key) if checks is not None else check_of(version.group, *key)
    if check is None or check.checked_at is None or check.data_digest is None:
        return None
    return check.data_digest != version.data_digest


# ---- reading and publishing ----------------------------------------------------------------------------

#: Accounts that read what is published to a group's members (parents and guests read only public reports).
MEMBER_READERS = frozenset({Role.MEMBER.value, Role.COORDINATOR.value, Role.ADMIN.value})


def visibilities_for(user, viewer: groups.Viewer | None) -> tuple[str, ...] | None:
    """The visibilities of the versions a user who sees the group as `viewer` may read; None when the group
    itself is hidden from them (404)."""
    if viewer is None:
        return None
    if viewer.manages:
        return tuple(v.value for v in ReportVisibility)
    if viewer.is_member and getattr(user, "role", None) in MEMBER_READERS:
        return (ReportVisibility.MEMBERS.value, ReportVisibility.PUBLIC.value)
    return (ReportVisibility.PUBLIC.value,)


def members_reading_only_public(group: WorkingGroup, on: date | None = None) -> int:
    """How many of the group's current members have an account that reads only what is published to
    everyone (parents' accounts): the publish page says so next to "the group's members"."""
    return sum(1 for membership in groups.active_members(group, on or clock.today())
               if membership.user.role not in MEMBER_READERS)


def readable_visibilities(user, group: WorkingGroup, on: date | None = None) -> tuple[str, ...] | None:
    return visibilities_for(user, groups.viewer_of(user, group, on or clock.today()))


def can_read(user, version: ReportVersion) -> bool:
    visibilities = readable_visibilities(user, version.group)
    return visibilities is not None and version.visibility in visibilities


def readable_versions_query(user, group: WorkingGroup, viewer: groups.Viewer | None = None):
    """A select() of the group's versions this user may read (seeing the group as `viewer`, looked up when
    not given), newest period and number first."""
    visibilities = (visibilities_for(user, viewer) if viewer is not None
                    else readable_visibilities(user, group)) or ()
    return (select(ReportVersion)
            .where(ReportVersion.group_id == group.id, ReportVersion.visibility.in_(visibilities))
            .order_by(ReportVersion.start.desc(), ReportVersion.end.desc(), ReportVersion.generated_at.desc(),
                      ReportVersion.id.desc()))


def publish(version: ReportVersion, visibility: str, *, actor: User, seen_version: int | None) -> None:
    """Publish a version to the group's members or to everyone."""
    check_version(version, seen_version)
    if visibility not in (ReportVisibility.MEMBERS.value, ReportVisibility.PUBLIC.value):
        raise ReportError(_("Choose to whom the report is published."))
    if visibility == ReportVisibility.PUBLIC.value and not version.group.public:
        raise ReportError(_("The group is not public, so its reports cannot be published to everyone. "
                            "Publish it to the group's members, or make the group public first."))
    version.visibility = visibility
    version.published_at = utcnow()
    version.published_by_id = actor.id
    db.session.flush()
    audit.record("report.published", version, actor=actor, territory_id=version.group.territory_id,
                 visibility=visibility)


def unpublish(version: ReportVersion, *, actor: User, seen_version: int | None) -> None:
    """Take a version back to the coordinators only."""
    check_version(version, seen_version)
    version.visibility = ReportVisibility.COORDINATORS.value
    version.published_at = None
    version.published_by_id = None
    db.session.flush()
    audit.record("report.unpublished", version, actor=actor, territory_id=version.group.territory_id)
