#!/usr/bin/env bash
# Cost of fault injection (prints numbers; not a test). One ruddermock, the default file
# database (in a temporary folder), unique messageIds per event. Alternating slices of wrk
# traffic with no plan and with a 10-rule plan whose rules all match every request but never
# fire (the worst case: each rule is matched, counted and draws a number), so machine noise
# falls on both sides alike. Target: the plan costs at most 5% of ingest.
# Needs wrk: ./scripts/install-deps.sh --bench
# Environment: SLICE (s per slice, default 5), ROUNDS (default 4), CONNECTIONS (default 32).
set -euo pipefail
cd "$(dirname "$0")/.."
SLICE=${SLICE:-5}
ROUNDS=${ROUNDS:-4}
CONNECTIONS=${CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "wrk is missing: ./scripts/install-deps.sh --bench" >&2; exit 2; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRUDDERMOCK_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target ruddermock >/dev/null

tmp=$(mktemp -d)
pid=""
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

event() {
  printf '{"type":"track","userId":"bench-user-%s","messageId":"__MID__","event":"Order Completed","properties":{"order_id":"ord-%s","total":129.99,"currency":"USD","products":[{"sku":"SKU-001","price":24.5,"quantity":2}]},"context":{"library":{"name":"bench","version":"1.0.0"},"locale":"en-US","page":{"path":"/checkout"}},"originalTimestamp":"2026-11-26T10:00:00.000Z","sentAt":"2026-11-26T10:00:00.100Z"}' "$1" "$1"
}
event 1 > "$tmp/single.json"
{ printf '{"batch":['; for i in $(seq 1 100); do [ "$i" -gt 1 ] && printf ','; event "$i"; done; printf ']}'; } > "$tmp/batch.json"

rules=""
for i in $(seq 1 10); do
  [ "$i" -gt 1 ] && rules+=","
  rules+="{\"id\":\"never-$i\",\"match\":{\"route\":\"/v1/*\",\"method\":\"POST\"},\"trigger\":{\"nth\":[1000000000],\"probability\":0.5},\"effect\":{\"status\":503}}"
done
plan="{\"seed\":1,\"rules\":[$rules]}"

./build-bench/ruddermock --headless --port 0 --port-file "$tmp/port" --db "$tmp/bench.db" --log-level warn > "$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 1 500); do [ -s "$tmp/port" ] && break; sleep 0.01; done
port=$(cat "$tmp/port")

slice() { # $1 path, $2 body -> req/s
  RUN_ID="$RANDOM$RANDOM" BODY_FILE="$2" AUTH=$(printf 'wk-faults:' | base64) \
    wrk -t2 -c"$CONNECTIONS" -d"${SLICE}s" -s bench/unique.lua "http://127.0.0.1:$port$1" |
    awk '/Requests\/sec/ { print $2 }'
}
declare -A sum
for kind in single batch; do sum[$kind-off]=0; sum[$kind-on]=0; done
for round in $(seq 1 "$ROUNDS"); do
  for kind in single batch; do
    path=/v1/track; body="$tmp/single.json"
    [ "$kind" = batch ] && { path=/v1/batch; body="$tmp/batch.json"; }
    # ABBA order: the database grows during the run, so neither side always goes second.
    if [ $((round % 2)) = 1 ]; then
      curl -s -X DELETE "http://127.0.0.1:$port/_mock/faults" > /dev/null
      off=$(slice "$path" "$body")
      curl -s -X PUT -d "$plan" "http://127.0.0.1:$port/_mock/faults" > /dev/null
      on=$(slice "$path" "$body")
    else
      curl -s -X PUT -d "$plan" "http://127.0.0.1:$port/_mock/faults" > /dev/null
      on=$(slice "$path" "$body")
      curl -s -X DELETE "http://127.0.0.1:$port/_mock/faults" > /dev/null
      off=$(slice "$path" "$body")
    fi
    printf 'round %d %-6s no plan %10.0f req/s   10-rule plan %10.0f req/s   ratio %.3f\n' \
      "$round" "$kind" "$off" "$on" "$(awk -v a="$on" -v b="$off" 'BEGIN { print a / b }')"
    sum[$kind-off]=$(awk -v a="${sum[$kind-off]}" -v b="$off" 'BEGIN { print a + b }')
    sum[$kind-on]=$(awk -v a="${sum[$kind-on]}" -v b="$on" 'BEGIN { print a + b }')
  done
done
fired=$(curl -s "http://127.0.0.1:$port/_mock/faults" | grep -o '"fired":[0-9]*' | sort -u | tr '\n' ' ')
for kind in single batch; do
  awk -v k="$kind" -v a="${sum[$kind-on]}" -v b="${sum[$kind-off]}" \
    'BEGIN { printf "%-6s with plan / without = %.3f (target >= 0.95)\n", k, a / b }'
done
echo "rules fired (must be 0): $fired"
