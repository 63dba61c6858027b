#!/usr/bin/env bash
# Connections under pressure (prints numbers; not a test). One ruddermock on the default file
# database (in a temporary folder), and bench/conn_client.cpp (one thread, poll) as clients:
#  1. 1,000 keep-alive connections sending POST /v1/track at a moderate rate: p50/p99 latency
#     (target p99 <= 50 ms).
#  2. 200 slow-header clients (a header line a second) connected while a fresh client connects
#     every 100 ms: the fresh clients' latency (target <= 100 ms).
#  3. 100 connections held by a `hang` fault while fresh clients come: their latency.
# Environment: BUILD_DIR (default build-bench), SECONDS_EACH (default 8; under the 10 s head
# deadline so the slow clients hold their connections the whole time), RATE (default 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-bench}
SECONDS_EACH=${SECONDS_EACH:-8}
RATE=${RATE:-2000}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD_DIR" -j"${JOBS:-2}" --target ruddermock ruddermock_bench_conn >/dev/null
client="$BUILD_DIR/bench/ruddermock_bench_conn"

tmp=$(mktemp -d)
pid=""
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

"$BUILD_DIR/ruddermock" --headless --port 0 --port-file "$tmp/port" --db "$tmp/bench.db" \
  --log-level warn > "$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 1 500); do [ -s "$tmp/port" ] && break; sleep 0.01; done
port=$(cat "$tmp/port")
stats() { curl -s "http://127.0.0.1:$port/_mock/stats" | sed 's/.*"connections":\({[^}]*}\).*/  server: connections \1/'; echo; }

"$client" "$port" keepalive 1000 "$RATE" "$SECONDS_EACH"
stats
"$client" "$port" slow 200 "$SECONDS_EACH"
stats
curl -s -X PUT "http://127.0.0.1:$port/_mock/faults" -H 'Content-Type: application/json' \
  -d '{"rules":[{"match":{"write_key":"hold"},"effect":{"connection":"hang"}}]}' >/dev/null
"$client" "$port" slow 100 "$SECONDS_EACH" "$(printf 'hold:' | base64)"
stats
curl -s -X DELETE "http://127.0.0.1:$port/_mock/faults" >/dev/null
