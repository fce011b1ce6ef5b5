"""Benchmark of the bulk consultation invitation: one request inviting a pasted list (500 addresses, the
limit) through the real route (parse, check, invitee rows, one-time links, 500 e-mails rendered into the
outbox, commit), then the same list again (everything skipped).

Run:  .venv/bin/python bench/invitations_bench.py [--addresses 500] [--runs 3]
      .venv/bin/python bench/invitations_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/bench
      (the PostgreSQL database is EMPTIED first: give it a throwaway one)

The e-mail is only queued (MAIL_DELIVERY=off): it leaves through the outbox after the commit, outside the
request. Target: the 500-address request well under a second or two on the shared 2-core machine, which is
why it runs in the request and not as a background job.
"""

from __future__ import annotations

import argparse
import re
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import ROOT, fresh_schema_with_group, signed_in_client

sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--addresses", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from config import DevelopmentConfig
    from portal import create_app
    from portal.accounts import sessions
    from portal.extensions import db
    from portal.models import User
    from portal.models.consultations import Consultation

    folder = tempfile.mkdtemp(prefix="invitations-bench-")
    url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url, MAIL_DELIVERY="off",
                     WTF_CSRF_ENABLED=False, BASE_URL="http://127.0.0.1",
                     CONSULTATION_INVITE_MAX=max(500, args.addresses), RATELIMIT_ENABLED=False)
    first, again = [], []
    with app.app_context():
        group = fresh_schema_with_group(name="PS pro rovné příležitosti", slug="ps-rp")
        coordinator = User(email="koordinator@bench.example", name="Koordinátorka", role="coordinator",
                           territory_id=group.territory_id)
        db.session.add(coordinator)
        db.session.commit()
        sessions.start(coordinator)
        db.session.commit()
        client = signed_in_client(app, coordinator.get_id())
        now = datetime.now(UTC)
        for run in range(args.runs):
            consultation = Consultation(group_id=group.id, title=f"Konzultace {run + 1}",
                                        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=7),
                                        audience="invited", link_key=secrets.token_urlsafe(16))
            db.session.add(consultation)
            db.session.commit()
            pasted = "\n".join(f"Rodič {i} <rodic{i}.{run}@example.cz>" for i in range(args.addresses))
            form_url = f"/consultations/{consultation.id}/invite"
            for bucket in (first, again):
                page = client.get(form_url).get_data(as_text=True)
                once = re.search(r'name="once"[^>]*value="([^"]+)"', page).group(1)
                started = time.perf_counter()
                response = client.post(form_url, data={"addresses": pasted, "once": once})
                bucket.append(time.perf_counter() - started)
                assert response.status_code == 302, response.status_code
    print(f"database: {url.split(':')[0]}, {args.addresses} addresses, {args.runs} runs")
    print(f"first sending  median {statistics.median(first):.2f} s  (all: "
          f"{', '.join(f'{t:.2f}' for t in first)})")
    print(f"same list again median {statistics.median(again):.2f} s  (all: "
          f"{', '.join(f'{t:.2f}' for t in again)})")


if __name__ == "__main__":
    main()
