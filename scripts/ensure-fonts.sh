#!/usr/bin/env bash
# Japanese fonts for the PDF venue lists (reservations/venue_lists.py): Debian's
# fonts-noto-cjk (Noto Sans CJK, index 0 of the collection is the JP face).
# Installs it when missing (root); otherwise says what to install.
set -euo pipefail
if [ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  echo "ensure-fonts: installing fonts-noto-cjk from apt" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null
else
  echo "ensure-fonts: fonts-noto-cjk is missing: apt-get install fonts-noto-cjk" >&2
  exit 1
fi
