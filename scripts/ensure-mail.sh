#!/usr/bin/env bash
# Make sure the mail tests can run: Dovecot's IMAP server from Debian (dovecot-imapd).
# The tests start their own throwaway Dovecot on a free loopback port; the system
# service is never started (policy-rc.d refuses it during the install) and is disabled.
# Idempotent; prints nothing when Dovecot is already there.
set -euo pipefail

log() { echo "ensure-mail: $*" >&2; }

ensure_user() {
  # The tests' Dovecot runs its mailboxes as this unprivileged user when started as root.
  if [ "$(id -u)" -eq 0 ] && ! id madoguchi-mail >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin madoguchi-mail
  fi
}

if [ -x /usr/sbin/dovecot ] && [ -e /usr/lib/dovecot/imap ]; then
  ensure_user
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  log "Dovecot missing; run as root or: apt-get install --no-install-recommends dovecot-imapd"
  exit 1
fi
log "installing dovecot-imapd with apt-get (the system service is not started)"
export DEBIAN_FRONTEND=noninteractive
# Refuse service starts while the package installs (invoke-rc.d honours policy-rc.d).
policy=/usr/sbin/policy-rc.d
had_policy=0
[ -e "$policy" ] && had_policy=1
if [ "$had_policy" -eq 0 ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
fi
cleanup() { [ "$had_policy" -eq 1 ] || rm -f "$policy"; }
trap cleanup EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends dovecot-core dovecot-imapd >/dev/null
if command -v systemctl >/dev/null 2>&1; then
  systemctl disable dovecot >/dev/null 2>&1 || true
fi
[ -x /usr/sbin/dovecot ] || { log "dovecot install failed"; exit 1; }
ensure_user
