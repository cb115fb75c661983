#!/usr/bin/env bash
# Issue 16: replays the attacks of the internet-facing probe against a real `livegate serve`
# (the test build unless LIVEGATE_BIN says otherwise; SQLite, loopback) and prints one line per
# check; exits non-zero when any check fails. Called by scripts/test.sh after the browser tests.
# The server gets short limits so the timeout checks run in seconds, and the outbound
# allow-list 127.0.0.2/32 so the redirect check has a receiver (on 127.0.0.2) it may reach,
# while 127.0.0.1 stays refused.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${LIVEGATE_BIN:-${CARGO_TARGET_DIR:-target}/debug/livegate}"
if [ ! -x "$BIN" ]; then echo "security-check: $BIN is not built" >&2; exit 1; fi
OUT=target/security-check
mkdir -p "$OUT"
export LIVEGATE_HEADER_READ_TIMEOUT_S=2 LIVEGATE_IDLE_TIMEOUT_S=3 LIVEGATE_REQUEST_TIMEOUT_S=4 \
  LIVEGATE_MAX_CONNECTIONS=40 LIVEGATE_RATE_LIMIT_SESSIONS_PER_MIN=40 LIVEGATE_RATE_LIMIT_IP_PER_MIN=200 \
  LIVEGATE_OUTBOUND_ALLOW=127.0.0.2/32 LIVEGATE_POLL_INTERVAL_MS=50 LIVEGATE_WEBHOOK_BACKOFF_MS=60000
. scripts/test-server.sh
start_test_server "$BIN" "$OUT/server.log" security-check
STATUS=0
node scripts/security-check.mjs --server "$URL" --key "$KEY" --pid "$SERVER" || STATUS=1
# The checks ended with SIGTERM: the server must drain and exit 0, as it does on Ctrl-C.
# A child that ended is a zombie until waited for, so wait, with a watchdog for the deadline.
( trap - EXIT; sleep 15; kill -9 "$SERVER" 2>/dev/null ) &
WATCHDOG=$!
RC=0
wait "$SERVER" || RC=$?
trap 'rm -rf "$DATA"' EXIT
kill "$WATCHDOG" 2>/dev/null || true
if [ "$RC" -eq 0 ]; then echo "ok   SIGTERM: clean exit (status 0)"; else echo "FAIL SIGTERM: exit status $RC"; STATUS=1; fi
exit $STATUS
