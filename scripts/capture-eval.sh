#!/usr/bin/env bash
# Browser capture evaluation (issue 12): starts one release `livegate serve` on loopback and runs
# every case of CASES.json through the hosted capture page in headless Chromium, its fake camera
# fed the case's clip in the case's framing (web/tests/capture-eval.mjs, web/tests/framings.mjs).
#
#   scripts/capture-eval.sh CASES.json [--only id,id] [--viewports 390x844,1280x800] [--serve-web web]
#
# The options go to capture-eval.mjs: --only runs some cases, --viewports replaces every case's
# viewports, --serve-web serves the pages and SDK from that directory instead of the binary's
# embedded copy (to try web edits without rebuilding).
#
# stdout: one JSON line per case, {"id", "decision", "reasons", "score", "seconds_to_decision",
# "frames_uploaded", ...}; everything else (server log, y4m files, results.jsonl, console log)
# goes to target/capture-eval/ and stderr, screenshots to target/browser/capture/. Exits non-zero
# only when a case could not be run; `node web/tests/capture-eval.mjs --check
# target/capture-eval/results.jsonl` judges the decisions.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: scripts/capture-eval.sh CASES.json [--only id,id] [--viewports WxH,...]" >&2; exit 2; }
CASES=$(realpath "$1"); shift
[ -f "$CASES" ] || { echo "capture-eval: no cases file $CASES" >&2; exit 2; }
cd "$(dirname "$0")/.."
OUT=target/capture-eval
mkdir -p "$OUT"

BIN="${LIVEGATE_BIN:-${CARGO_TARGET_DIR:-target}/release/livegate}"
if [ ! -x "$BIN" ]; then
  if [ -n "${LIVEGATE_BIN:-}" ]; then echo "capture-eval: LIVEGATE_BIN=$BIN is not an executable" >&2; exit 1; fi
  echo "capture-eval: building $BIN (cargo build --release -p livegate)" >&2
  cargo build --release -p livegate >&2
fi
command -v ffmpeg >/dev/null 2>&1 || { echo "capture-eval: ffmpeg is missing (scripts/setup.sh)" >&2; exit 1; }
if ! command -v chromium >/dev/null 2>&1; then
  echo "capture-eval: installing chromium (apt)" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >&2 || true
  $SUDO apt-get install -y -qq chromium >&2
fi
[ -d web/node_modules/playwright-core ] || (cd web && npm ci --no-audit --no-fund --loglevel=error >&2)

LOG="$OUT/server.log"
. scripts/test-server.sh
start_test_server "$BIN" "$LOG" capture-eval
echo "capture-eval: $BIN serve at $URL; cases $CASES" >&2
node web/tests/capture-eval.mjs --server "$URL" --key "$KEY" --bin "$BIN" --cases "$CASES" \
  --out "$OUT" --shots target/browser/capture "$@"
