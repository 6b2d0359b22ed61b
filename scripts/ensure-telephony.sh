#!/usr/bin/env bash
# Install the SIP stack the telephony gateway and its tests use, from Debian (bookworm):
# Kamailio 5.6 (+ http_client, evapi, jansson, rtjson, jsonrpcs modules), rtpengine
# (userspace relay), sipp (test callers and operator phones), sox and espeak-ng (prompt
# conversion and the fallback voice). Idempotent and quick when everything is there;
# needs root to install (CI runs as root). Services are not started: the gateway and the
# tests start their own processes on loopback.
set -euo pipefail

log() { echo "ensure-telephony: $*" >&2; }

MODDIR=/usr/lib/x86_64-linux-gnu/kamailio/modules
[ -d "$MODDIR" ] || MODDIR=$(ls -d /usr/lib/*/kamailio/modules 2>/dev/null | head -1 || true)

have_all() {
  command -v kamailio >/dev/null && command -v rtpengine >/dev/null \
    && command -v sipp >/dev/null && command -v sox >/dev/null && command -v espeak-ng >/dev/null \
    && [ -n "$MODDIR" ] \
    && [ -f "$MODDIR/http_client.so" ] && [ -f "$MODDIR/evapi.so" ] \
    && [ -f "$MODDIR/jansson.so" ] && [ -f "$MODDIR/rtjson.so" ] \
    && [ -f "$MODDIR/jsonrpcs.so" ] && [ -f "$MODDIR/rtpengine.so" ]
}

if have_all; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  log "Kamailio/rtpengine/sipp are missing and this is not root; run as root or install:"
  log "  apt-get install kamailio kamailio-extra-modules kamailio-utils-modules" \
      "kamailio-json-modules rtpengine-daemon sip-tester sox espeak-ng"
  exit 1
fi
log "installing the SIP stack with apt-get"
# Debian's packages would start system services on install; nothing here wants them.
POLICY=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$POLICY"; chmod +x "$POLICY"; created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$POLICY"' EXIT
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  kamailio kamailio-extra-modules kamailio-utils-modules kamailio-json-modules \
  rtpengine-daemon sip-tester sox espeak-ng >/dev/null
MODDIR=$(ls -d /usr/lib/*/kamailio/modules 2>/dev/null | head -1 || true)
have_all || { log "the SIP stack is still incomplete after apt-get install"; exit 1; }
log "SIP stack installed: $(kamailio -v | head -1)"
