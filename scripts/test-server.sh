#!/usr/bin/env bash
# Sourced by scripts/browser-test.sh and scripts/capture-eval.sh: `start_test_server BIN LOG NAME`
# starts `BIN serve` on a free loopback port with a fresh data directory and a random API key,
# waits until it listens, and sets SERVER (pid), URL, KEY and DATA; the server is stopped and the
# data removed when the calling script exits. A free port is chosen here rather than --addr :0:
# invitation links are built from LIVEGATE_PUBLIC_URL (default http://<addr>, which would say
# port 0).
start_test_server() {
  local bin=$1 log=$2 name=$3 port
  DATA=$(mktemp -d)
  KEY="$name-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
  LIVEGATE_BOOTSTRAP_API_KEY="$KEY" LIVEGATE_DATA_DIR="$DATA" LIVEGATE_PUBLIC_URL="http://127.0.0.1:$port" \
    "$bin" serve --addr "127.0.0.1:$port" >"$log" 2>&1 </dev/null &
  SERVER=$!
  trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; rm -rf "$DATA"' EXIT
  URL=""
  for _ in $(seq 1 120); do
    URL=$(grep -o 'http://[0-9.:]*' "$log" | head -1 || true)
    [ -n "$URL" ] && return 0
    kill -0 "$SERVER" 2>/dev/null || { cat "$log" >&2; echo "$name: server exited" >&2; exit 1; }
    sleep 0.5
  done
  cat "$log" >&2
  echo "$name: server did not start" >&2
  exit 1
}
