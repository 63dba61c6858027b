#!/usr/bin/env bash
# Export speed (prints numbers; not a test). Fills a file database with EVENTS events (default
# 1,000,000; ~700-byte SDK-like track events, unique messageIds) by posting batches of 100 with
# wrk, stops the server, then times `ruddermock export` to a file: NDJSON, NDJSON --normalize,
# JSON, a filtered NDJSON, HAR and curl of all requests. Target: >= 100,000 events/s to NDJSON
# with 1,000,000 stored, on the 2-core machine.
# Needs wrk: ./scripts/install-deps.sh --bench
# Environment: EVENTS (default 1000000), DB (a path: keep the filled database there and reuse
# it on the next run when it holds enough events; default a temporary folder), OUT (default
# /tmp/ruddermock-export-bench.out, removed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-1000000}
OUT=${OUT:-/tmp/ruddermock-export-bench.out}
command -v wrk >/dev/null || { echo "wrk is missing: ./scripts/install-deps.sh --bench" >&2; exit 2; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRUDDERMOCK_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target ruddermock >/dev/null
bin=./build-bench/ruddermock

tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp" "$OUT"
}
trap cleanup EXIT
db=${DB:-$tmp/export-bench.db}

event() { # about 700 bytes, as bench/run.sh sends
  printf '{"type":"track","userId":"bench-user-%s","anonymousId":"5f1c6b8e-1f0a-4c1e-9d2a-3b4c5d6e7f80","messageId":"__MID__","event":"Order Completed","properties":{"order_id":"ord-%s","total":129.99,"currency":"USD","coupon":"WINTER","products":[{"sku":"SKU-001","name":"Thermal Mug","price":24.5,"quantity":2},{"sku":"SKU-002","name":"Wool Socks","price":12.0,"quantity":3}]},"context":{"library":{"name":"bench","version":"1.0.0"},"locale":"en-US","userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36","ip":"203.0.113.9","page":{"path":"/checkout","url":"https://shop.example.com/checkout"}},"originalTimestamp":"2026-11-26T10:00:00.000Z","sentAt":"2026-11-26T10:00:00.100Z"}' "$1" "$1"
}
{ printf '{"batch":['; for i in $(seq 1 100); do [ "$i" -gt 1 ] && printf ','; event "$i"; done; printf ']}'; } > "$tmp/batch.json"

stored_events() { # $1 db -> events stored (0 without a usable database)
  { "$bin" export --db "$1" --format ndjson 2>/dev/null || true; } | wc -l
}

have=$(stored_events "$db")
if [ "$have" -lt "$EVENTS" ]; then
  echo "filling $db with $EVENTS events (has $have)..." >&2
  "$bin" --headless --port 0 --port-file "$tmp/port" --db "$db" --log-level warn > "$tmp/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 500); do [ -s "$tmp/port" ] && break; sleep 0.01; done
  port=$(cat "$tmp/port")
  round=0
  while :; do
    n=$(curl -s "http://127.0.0.1:$port/_mock/stats" | grep -o '"events":[0-9]*' | head -1 | cut -d: -f2)
    [ "$n" -ge "$EVENTS" ] && break
    # ~1,300 batches/s; the last round is short so the count lands near EVENTS.
    secs=$(( (EVENTS - n) / 100000 + 1 )); [ "$secs" -gt 10 ] && secs=10
    round=$((round + 1))
    RUN_ID="r$round-$RANDOM$RANDOM" BODY_FILE="$tmp/batch.json" AUTH=$(printf 'wk-export-bench:' | base64) \
      wrk -t2 -c16 -d"${secs}s" -s bench/unique.lua "http://127.0.0.1:$port/v1/batch" > /dev/null
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  have=$(stored_events "$db")
fi
size=$(du -m "$db" | cut -f1)
echo "database: $have events, $size MB ($db)"

time_export() { # $1 label, $2 rows (for the rate), rest: flags -> prints a line
  local label=$1 rows=$2; shift 2
  sync "$db" 2>/dev/null || true
  local t0 t1
  t0=$(date +%s.%N)
  "$bin" export --db "$db" -o "$OUT" "$@"
  t1=$(date +%s.%N)
  local bytes; bytes=$(stat -c %s "$OUT")
  awk -v l="$label" -v r="$rows" -v a="$t0" -v b="$t1" -v s="$bytes" 'BEGIN {
    t = b - a; printf "%-34s %9.2f s %12.0f rows/s %9.0f MB/s  (%d rows, %.0f MB)\n", l, t, r / t, s / t / 1e6, r, s / 1e6 }'
}

time_export "ndjson" "$have" --format ndjson
time_export "ndjson (again)" "$have" --format ndjson
time_export "ndjson --normalize" "$have" --format ndjson --normalize
time_export "json" "$have" --format json
one_user=$("$bin" export --db "$db" --format ndjson --filter 'user:bench-user-7' | wc -l)
time_export "ndjson --filter user:bench-user-7" "$one_user" --format ndjson --filter 'user:bench-user-7'
requests=$("$bin" export --db "$db" --format curl | grep -c '^curl\|^  curl')
time_export "har (requests of 100 events)" "$requests" --format har
time_export "curl (requests of 100 events)" "$requests" --format curl
echo "target: ndjson >= 100000 events/s with 1,000,000 stored"
