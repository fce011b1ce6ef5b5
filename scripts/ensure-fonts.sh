#!/usr/bin/env bash
# PDF exports (WeasyPrint) need a font with Czech diacritics: DejaVu Sans from Debian's fonts-dejavu-core.
# Install it when missing; without it the PDFs fall back to whatever font is there, which may lack č, ř, ů.
set -euo pipefail
if fc-list 2>/dev/null | grep -q "DejaVuSans.ttf"; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "fonts-dejavu-core is missing: install it with 'sudo apt-get install fonts-dejavu-core fontconfig'" \
       "(PDF exports may lose Czech diacritics)." >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq fonts-dejavu-core fontconfig >/dev/null
