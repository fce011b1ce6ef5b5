"""Helpers for the analysis portal tests (no tests here): the sample data, imports, meetings, uploads."""

from __future__ import annotations

import re
from itertools import count
from pathlib import Path

from portal.analysis import read_path
from portal.analysis_portal import services
from portal.extensions import db

SAMPLE = Path(__file__).resolve().parent.parent / "portal" / "analysis_portal" / "sample"
_n = count(1)


def sample_bytes(*names: str) -> dict[str, bytes]:
    return {name: (SAMPLE / name).read_bytes() for name in names}


def import_sample(territory, years: tuple[str, ...] | None = None, actor=None) -> None:
    """Store the sample's school years for the territory through the import service."""
    dataset = read_path(SAMPLE)
    for year in sorted({s.school_year for s in dataset.schools}):
        if years is not None and year not in years:
            continue
        services.import_year(territory.id, year, [s for s in dataset.schools if s.school_year == year],
                             [c for c in dataset.classes if c.school_year == year], has_classes=True,
                             source="sample", actor=actor)
    db.session.commit()


def token(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_files(client, files: dict[str, bytes]):
    """Post files to the import form as a browser would (multipart).

    The body is encoded in memory: Werkzeug's test client spools big bodies to a temporary file it never
    closes (a ResourceWarning, an error under `filterwarnings = error`).
    """
    import io

    from werkzeug.datastructures import FileStorage, MultiDict
    from werkzeug.test import encode_multipart

    values = MultiDict([("csrf_token", token(client, "/analysis/import"))])
    for name, body in files.items():
        values.add("files", FileStorage(io.BytesIO(body), filename=name,
                                        content_type="application/octet-stream"))
    boundary, body = encode_multipart(values)
    response = client.post("/analysis/import", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    return follow_job(client, response)


def follow_job(client, response):
    """After a redirect to a job's page (the job ran after the commit: JOBS_BACKEND "sync" in the tests),
    the job page's answer: a redirect to the result, or the problems found."""
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    if "/analysis/jobs/" in location:
        return client.get(location)
    return response


def confirm(client, preview_url: str, **fields):
    """Confirm a previewed upload (the import job runs after the commit); the job page's answer."""
    data = {"csrf_token": token(client, preview_url), **fields}
    return follow_job(client, client.post(preview_url, data=data))
