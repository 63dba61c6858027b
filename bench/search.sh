#!/usr/bin/env bash
# Free-text and JSON-path search speed on GET /_mock/events (prints numbers; not a test).
# Fills a file database with EVENTS events the way bench/export.sh does (batches of 100
# ~700-byte track events with unique messageIds, through wrk), starts the server on it and
# times each search RUNS times (the best and the median): a messageId of one of the newest
# events (first page, newest first), one of an old event (a rare match, newest first and
# oldest first), text that never matches (newest first and oldest first), a JSON path that
# never matches, and each no-match search again with scan=0 (no scan budget). Prints the
# "truncated" field of each answer. Also userId and user: filters (one user of the 100 holds 1%
# of the events; a user never seen). Targets (issue 11 §2, 1M events): a first page with
# matches within 200 ms; a search without a match within 2 s or truncated.
# Needs wrk: ./scripts/install-deps.sh --bench
# Environment: EVENTS (default 1000000), DB (a path: keep the filled database there and reuse
# it when it holds enough events; default a temporary folder), BIN (the ruddermock binary;
# default: build build-bench and use it), RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-1000000}
RUNS=${RUNS:-3}
command -v wrk >/dev/null || { echo "wrk is missing: ./scripts/install-deps.sh --bench" >&2; exit 2; }
if [ -z "${BIN:-}" ]; then
  cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRUDDERMOCK_TESTS=OFF >/dev/null
  cmake --build build-bench -j2 --target ruddermock >/dev/null
  BIN=./build-bench/ruddermock
fi

tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
db=${DB:-$tmp/search-bench.db}

start_server() {
  rm -f "$tmp/port"
  "$BIN" --headless --port 0 --port-file "$tmp/port" --db "$db" --log-level warn > "$tmp/log" 2>&1 &
  pid=$!
  for _ in $(seq 1 1000); do [ -s "$tmp/port" ] && break; sleep 0.01; done
  port=$(cat "$tmp/port")
  base="http://127.0.0.1:$port"
}
stored() { curl -s "$base/_mock/stats" | grep -o '"events":[0-9]*' | head -1 | cut -d: -f2; }

event() { # the event of bench/export.sh
  printf '{"type":"track","userId":"bench-user-%s","anonymousId":"5f1c6b8e-1f0a-4c1e-9d2a-3b4c5d6e7f80","messageId":"__MID__","event":"Order Completed","properties":{"order_id":"ord-%s","total":129.99,"currency":"USD","coupon":"WINTER","products":[{"sku":"SKU-001","name":"Thermal Mug","price":24.5,"quantity":2},{"sku":"SKU-002","name":"Wool Socks","price":12.0,"quantity":3}]},"context":{"library":{"name":"bench","version":"1.0.0"},"locale":"en-US","userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36","ip":"203.0.113.9","page":{"path":"/checkout","url":"https://shop.example.com/checkout"}},"originalTimestamp":"2026-11-26T10:00:00.000Z","sentAt":"2026-11-26T10:00:00.100Z"}' "$1" "$1"
}
{ printf '{"batch":['; for i in $(seq 1 100); do [ "$i" -gt 1 ] && printf ','; event "$i"; done; printf ']}'; } > "$tmp/batch.json"

start_server
have=$(stored)
if [ "$have" -lt "$EVENTS" ]; then
  echo "filling $db with $EVENTS events (has $have)..." >&2
  round=0
  while :; do
    n=$(stored)
    [ "$n" -ge "$EVENTS" ] && break
    secs=$(( (EVENTS - n) / 100000 + 1 )); [ "$secs" -gt 10 ] && secs=10
    round=$((round + 1))
    RUN_ID="s$round-$RANDOM$RANDOM" BODY_FILE="$tmp/batch.json" AUTH=$(printf 'wk-search-bench:' | base64) \
      wrk -t2 -c16 -d"${secs}s" -s bench/unique.lua "$base/v1/batch" > /dev/null
  done
  # A fresh start: the searches below read a database the server did not just write.
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  start_server
  have=$(stored)
fi
echo "database: $have events, $(du -m "$db" | cut -f1) MB ($db), $BIN"

newest=$(curl -s "$base/_mock/events?order=desc&limit=1" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
message_id() { curl -s "$base/_mock/events/$1" | grep -o '"message_id":"[^"]*"' | cut -d'"' -f4; }
recent=$(message_id $((newest - 50)))
rare=$(message_id $((newest - have * 3 / 4)))

search() { # $1 label, $2 query string -> best and median seconds, events, truncated
  local label=$1 query=$2 times="" body
  for _ in $(seq 1 "$RUNS"); do
    times+="$(curl -s -o "$tmp/body" -w '%{time_total}' "$base/_mock/events?$query") "
  done
  body=$(cat "$tmp/body")
  local n; n=$( (grep -o '"message_id"' <<<"$body" || true) | wc -l)
  local t; t=$(grep -o '"truncated":[a-z]*' <<<"$body" | cut -d: -f2 || true)
  echo "$times" | tr ' ' '\n' | grep . | sort -n | awk -v l="$label" -v n="$n" -v t="${t:--}" '
    { v[NR] = $1 } END { printf "%-44s best %6.3f s  median %6.3f s  %3d events  truncated %s\n",
      l, v[1], v[int((NR + 1) / 2)], n, t }'
}

search "q= recent match, newest first"        "q=$recent&order=desc&limit=100"
search "q= recent match, oldest first"        "q=$recent&limit=100"
search "q= rare match (3/4 back), newest first" "q=$rare&order=desc&limit=100"
search "q= rare match (3/4 back), oldest first" "q=$rare&limit=100"
search "q= common text, newest first"         "q=Thermal%20Mug&order=desc&limit=100"
search "q= no match, newest first"            "q=no-such-text-anywhere&order=desc&limit=100"
search "q= no match, oldest first"            "q=no-such-text-anywhere&limit=100"
search "filter= JSON path, no match"          "filter=properties.total%3E1000&order=desc&limit=100"
search "filter= free text, no match"          "filter=no-such-text-anywhere&order=desc&limit=100"
search "userId= 1% of the events, newest first" "userId=bench-user-7&order=desc&limit=100"
search "userId= 1% of the events, oldest first" "userId=bench-user-7&limit=100"
search "userId= no such user"                  "userId=nobody-at-all&order=desc&limit=100"
search "filter= user: and type:, newest first" "filter=user:bench-user-7%20type:track&order=desc&limit=100"
search "q= no match, scan=0 (no budget)"      "q=no-such-text-anywhere&order=desc&limit=100&scan=0"
search "filter= JSON path, no match, scan=0"  "filter=properties.total%3E1000&order=desc&limit=100&scan=0"
page_to_match() { # $1 label, $2 query: newest first along next_before until a page has events
  local label=$1 query=$2 cursor="" pages=0 t0 t1 body
  t0=$(date +%s.%N)
  while :; do
    body=$(curl -s "$base/_mock/events?$query&order=desc$cursor")
    pages=$((pages + 1))
    grep -q '"message_id"' <<<"$body" && break
    local before; before=$(grep -o '"next_before":[0-9]*' <<<"$body" | cut -d: -f2 || true)
    [ -n "$before" ] || break
    cursor="&before=$before"
  done
  t1=$(date +%s.%N)
  awk -v l="$label" -v a="$t0" -v b="$t1" -v p="$pages" 'BEGIN {
    printf "%-44s %6.3f s in %d pages\n", l, b - a, p }'
}
page_to_match "q= rare match, paged along next_before" "q=$rare"
page_to_match "q= no match, paged to the oldest event" "q=no-such-text-anywhere"
echo "targets: a first page with matches within 0.2 s; no match within 2 s or truncated"
