#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through Playwright (Playwright's own browser download does not
# work without internet); install it from Debian's packages when it is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium is missing: install it with 'sudo apt-get install chromium' (browser tests will fail)." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
