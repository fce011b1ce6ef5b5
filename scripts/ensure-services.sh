#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432, database "test") answers; start the local cluster if it does not.
set -euo pipefail
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1; then
  version=$(ls /etc/postgresql | head -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
  sleep 1
done
echo "PostgreSQL is not reachable on 127.0.0.1:5432; the PostgreSQL run of the suite needs it." >&2
exit 1
