#!/usr/bin/env bash
# Browser tests of the capture SDK (issue 5) and the e-signature pages: type-checks the JSDoc
# and declarations, then runs the capture flows (web/tests/e2e.mjs) and the admin and signing
# journeys (web/tests/esign-e2e.mjs) in headless Debian Chromium (fake camera fed with real
# clips) against a real `livegate serve` started here. Screenshots and logs go to
# target/browser/ and target/browser/esign/ (with the signed PDF and its evidence page).
# Called by scripts/test.sh after the Rust tests (it uses their debug binary).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${CARGO_TARGET_DIR:-target}/debug/livegate"
TESTDATA="${LIVEGATE_TESTDATA:-../shared/testdata}"
OUT=target/browser

# Debian packages the tests need, installed when their command is missing: Chromium, and
# poppler-utils (pdfinfo, pdftoppm) to render the signed PDF's evidence page.
MISSING=""
command -v chromium >/dev/null 2>&1 || MISSING="$MISSING chromium"
{ command -v pdftoppm >/dev/null 2>&1 && command -v pdfinfo >/dev/null 2>&1; } || MISSING="$MISSING poppler-utils"
if [ -n "$MISSING" ]; then
  echo "browser-test: installing$MISSING (apt)" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || true
  # shellcheck disable=SC2086 # one word per package
  $SUDO apt-get install -y -qq $MISSING >/dev/null || $SUDO apt-get install -y -qq $MISSING >/dev/null
fi
echo "== web: npm ci, tsc --noEmit (JSDoc + .d.ts)" >&2
(cd web && npm ci --no-audit --no-fund --loglevel=error)
(cd web && npx tsc -p .)
node web/tests/check-dts.mjs
node web/tests/text-table.mjs

if [ ! -d "$TESTDATA" ]; then
  if [ -n "${LIVEGATE_CI:-}" ]; then echo "browser-test: $TESTDATA is missing" >&2; exit 1; fi
  echo "browser-test: SKIP browser flows, $TESTDATA not found" >&2
  exit 0
fi

mkdir -p "$OUT"
LOG="$OUT/server.log"
. scripts/test-server.sh
start_test_server "$BIN" "$LOG" browser-test
# Both suites run; the script fails when either does.
STATUS=0
echo "== browser flows against $URL (screenshots in $OUT)" >&2
node web/tests/e2e.mjs --server "$URL" --key "$KEY" --testdata "$TESTDATA" --out "$OUT" || STATUS=1
echo "== eSign pages against $URL (screenshots in $OUT/esign)" >&2
node web/tests/esign-e2e.mjs --server "$URL" --key "$KEY" --testdata "$TESTDATA" --out "$OUT/esign" --videos "$OUT/videos" || STATUS=1
exit $STATUS
