#!/usr/bin/env bash
# Create .venv and install Madoguchi into it.
#
#   scripts/bootstrap.sh run     runtime dependencies only (make setup / make run)
#   scripts/bootstrap.sh dev     runtime + test and lint tools (make test / make lint)
#
# Reinstalls only when pyproject.toml changed. On a bare Debian 12 box run as root,
# installs python3-venv from apt when the system Python cannot create a venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
profile="${1:-run}"
PYTHON="${PYTHON:-python3}"

log() { echo "bootstrap: $*" >&2; }

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null
  else
    log "python3 is missing: install Debian's python3 (3.11)"; exit 1
  fi
fi
version=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$version" != "3.11" ]; then
  log "Madoguchi needs Python 3.11 (Debian 12's python3); $PYTHON is $version"; exit 1
fi

if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    if [ "$(id -u)" = 0 ]; then
      log "installing python3-venv from apt"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-dev gcc >/dev/null
      "$PYTHON" -m venv .venv
    else
      log "cannot create a virtual environment: install Debian's python3-venv"; exit 1
    fi
  fi
  .venv/bin/python -m pip install --quiet --upgrade pip
fi

stamp=".venv/.installed-$profile"
digest=$(sha256sum pyproject.toml | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$digest" ]; then
  log "installing the $profile dependencies into .venv"
  if [ "$profile" = dev ]; then target=".[dev]"; else target="."; fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$target"
  echo "$digest" > "$stamp"
fi
