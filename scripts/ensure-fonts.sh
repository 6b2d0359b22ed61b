#!/usr/bin/env bash
# Japanese fonts and PDF tools for the PDF venue lists and reports
# (reservations/venue_lists.py, reports/render_pdf.py): Debian's fonts-noto-cjk (Noto
# Sans CJK, index 0 of the collection is the JP face) and poppler-utils (pdftoppm: the
# report tests turn PDF pages into PNG to check the drawn charts).
# Installs what is missing (root); otherwise says what to install. Idempotent.
set -euo pipefail
missing=()
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing+=(fonts-noto-cjk)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ "${#missing[@]}" = 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  echo "ensure-fonts: installing ${missing[*]} from apt" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "ensure-fonts: missing: apt-get install ${missing[*]}" >&2
  exit 1
fi
