#!/usr/bin/env bash
# The test command (README): set-up, formatting, lints, then every test on both inference
# backends, and the evaluation artefacts under target/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh
if [ -z "${ORT_DYLIB_PATH}" ]; then
  echo "test: onnxruntime library not found after set-up" >&2
  exit 1
fi
# pdfsig (poppler-utils) checks the PAdES signature of completed PDFs in the Rust tests.
if ! command -v pdfsig >/dev/null 2>&1; then
  echo "test: installing poppler-utils (apt) for pdfsig" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq poppler-utils >/dev/null || $SUDO apt-get install -y -qq poppler-utils >/dev/null
fi
echo "== test services: PostgreSQL and an S3-compatible server on loopback" >&2
# Captured first so a failed start stops the run (eval of an empty string would not).
services_env=$(./scripts/services.sh start)
eval "$services_env"
# Every run starts from an empty schema (migrations run as on a new deployment).
PGOPTIONS='--client-min-messages=warning' psql -q "$LIVEGATE_TEST_DATABASE_URL" -c 'DROP SCHEMA public CASCADE; CREATE SCHEMA public;' >/dev/null
echo "== cargo fmt --check" >&2
cargo fmt --all -- --check
echo "== cargo clippy" >&2
cargo clippy --workspace --all-targets --features livegate/ort -- -D warnings
echo "== cargo test (tract + ort backends)" >&2
cargo test --workspace --features livegate/ort -- --test-threads 2
echo "== ISO/IEC 30107-3 evaluation over ../shared/testdata + synthesised attacks (target/eval)" >&2
"${CARGO_TARGET_DIR:-target}/debug/livegate" eval eval/cases.json --out target/eval --max-apcer 0 --max-bpcer 0.05
echo "== browser SDK: tsc --noEmit, then capture flows in headless Chromium (target/browser)" >&2
./scripts/browser-test.sh
echo "== security check: issue 16's attacks against a real server (target/security-check)" >&2
./scripts/security-check.sh
echo "== browser capture evaluation over ../shared/testdata framings (target/capture-eval, target/browser/capture)" >&2
# The script's default is the release build; here it runs the test build already made above
# (dependencies at opt-level 3, ours at 2), which keeps a cold CI run inside its time limit.
if [ -d ../shared/testdata ] || [ -n "${LIVEGATE_CI:-}" ]; then
  LIVEGATE_BIN="${CARGO_TARGET_DIR:-target}/debug/livegate" ./scripts/capture-eval.sh eval/capture-cases.json
  node web/tests/capture-eval.mjs --check target/capture-eval/results.jsonl
else
  echo "test: SKIP browser capture evaluation, ../shared/testdata not found" >&2
fi
