#!/usr/bin/env bash
# ruddermock benchmark (prints numbers; not a test). Compares, in one run on one machine:
#   - a bare cpp-httplib server tuned the same way that only answers "ok"
#   - ruddermock /v1/track with single ~700-byte events
#   - ruddermock /v1/batch with 100 events per request
# then checks with a fixed-count client that stored events equal acknowledged ones.
# Every event carries a messageId unique to the run, wrk thread and request (bench/unique.lua),
# as SDKs send them, so the server's repeat check runs as it does for real traffic. ruddermock
# runs twice: on the default kind of database, a file (DB, default a fresh file in a temporary
# folder), then on :memory: (a temporary file in /dev/shm, as test suites often use it).
# Needs wrk: ./scripts/install-deps.sh --bench
# Environment: DURATION (s, default 10), CONNECTIONS (default 64), THREADS (wrk, default 2),
# DB (the file database; the kernel's write-back of dirty pages competes for the CPU once a
# run has written more than ~30 s worth of data).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is missing: ./scripts/install-deps.sh --bench" >&2; exit 2; }

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRUDDERMOCK_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target ruddermock ruddermock_bench_bare ruddermock_bench_client ruddermock_bench_store >/dev/null

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# --- bodies -----------------------------------------------------------------------------
event() { # $1 = index; about 700 bytes; __MID__ becomes a unique messageId (bench/unique.lua)
  printf '{"type":"track","userId":"bench-user-%s","messageId":"__MID__","anonymousId":"5f1c6b8e-1f0a-4c1e-9d2a-3b4c5d6e7f80","event":"Order Completed","properties":{"order_id":"ord-%s","total":129.99,"currency":"USD","coupon":"WINTER","products":[{"sku":"SKU-001","name":"Thermal Mug","price":24.5,"quantity":2},{"sku":"SKU-002","name":"Wool Socks","price":12.0,"quantity":3}]},"context":{"library":{"name":"bench","version":"1.0.0"},"locale":"en-US","userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36","ip":"203.0.113.9","page":{"path":"/checkout","url":"https://shop.example.com/checkout"}},"originalTimestamp":"2026-11-26T10:00:00.000Z","sentAt":"2026-11-26T10:00:00.100Z"}' "$1" "$1"
}
event 1 > "$tmp/single.json"
sed 's/"messageId":"__MID__",//' "$tmp/single.json" > "$tmp/single_count.json"
{
  printf '{"batch":['
  for i in $(seq 1 100); do
    [ "$i" -gt 1 ] && printf ','
    event "$i"
  done
  printf '],"sentAt":"2026-11-26T10:00:00.100Z"}'
} > "$tmp/batch.json"
sed 's/"messageId":"__MID__",//g' "$tmp/batch.json" > "$tmp/batch_count.json"

# --- helpers ------------------------------------------------------------------------------
to_ms() { # wrk latency like 812.00us / 1.23ms / 2.01s -> ms
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}
run_wrk() { # $1 port, $2 path, $3 body file, $4 write key -> prints "rps p50ms p99ms"
  local out
  out=$(BODY_FILE="$3" AUTH=$(printf '%s:' "$4" | base64) RUN_ID="$$-$RANDOM-$2" \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s bench/unique.lua \
        "http://127.0.0.1:$1$2")
  local rps p50 p99 non2xx
  rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
  p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
  p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
  non2xx=$(echo "$out" | awk '/Non-2xx/ { print $NF }')
  [ -z "$non2xx" ] || echo "warning: $non2xx non-2xx answers on $2" >&2
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
wait_port() { # $1 file
  for _ in $(seq 1 500); do [ -s "$1" ] && { cat "$1"; return; }; sleep 0.01; done
  echo "server did not start" >&2; exit 1
}
stat_events() { # $1 port, $2 write key
  curl -s "http://127.0.0.1:$1/_mock/stats" | \
    node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const j=JSON.parse(s);console.log(j.events_by_write_key['$2']||0)})"
}

# --- bare baseline ------------------------------------------------------------------------
./build-bench/bench/ruddermock_bench_bare 64 > "$tmp/bare.port" &
pids+=($!)
bare_port=$(wait_port "$tmp/bare.port")
read -r bare_rps bare_p50 bare_p99 < <(run_wrk "$bare_port" /v1/track "$tmp/single.json" wk-bare)
kill "${pids[0]}"

# --- ruddermock: a file database, then :memory: ---------------------------------------------
db_file=${DB:-$tmp/bench.db}
start_rm() { # $1 db -> port in $port, pid appended
  rm -f "$tmp/rm.port"
  ./build-bench/ruddermock --headless --port 0 --port-file "$tmp/rm.port" --db "$1" \
    --log-level warn > "$tmp/rm.log" 2>&1 &
  pids+=($!)
  port=$(wait_port "$tmp/rm.port")
}
start_rm ":memory:"
read -r mem_one_rps mem_one_p50 mem_one_p99 < <(run_wrk "$port" /v1/track "$tmp/single.json" wk-bench-single)
read -r mem_bat_rps mem_bat_p50 mem_bat_p99 < <(run_wrk "$port" /v1/batch "$tmp/batch.json" wk-bench-batch)
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
start_rm "$db_file"
read -r one_rps one_p50 one_p99 < <(run_wrk "$port" /v1/track "$tmp/single.json" wk-bench-single)
read -r bat_rps bat_p50 bat_p99 < <(run_wrk "$port" /v1/batch "$tmp/batch.json" wk-bench-batch)

# --- stored == acknowledged (fixed-count client, bodies without messageIds) ----------------
read -r ack fail < <(./build-bench/bench/ruddermock_bench_client "$port" /v1/track "$tmp/single_count.json" 20000 "$CONNECTIONS")
stored=$(stat_events "$port" wk-bench-count)
curl -s -X POST "http://127.0.0.1:$port/_mock/reset?writeKey=wk-bench-count" > /dev/null
read -r back bfail < <(./build-bench/bench/ruddermock_bench_client "$port" /v1/batch "$tmp/batch_count.json" 500 "$CONNECTIONS")
bstored=$(stat_events "$port" wk-bench-count)

awk -v br="$bare_rps" -v b50="$bare_p50" -v b99="$bare_p99" \
    -v r1="$one_rps" -v p50="$one_p50" -v p99="$one_p99" \
    -v rb="$bat_rps" -v q50="$bat_p50" -v q99="$bat_p99" \
    -v m1="$mem_one_rps" -v m50="$mem_one_p50" -v m99="$mem_one_p99" \
    -v mb="$mem_bat_rps" -v n50="$mem_bat_p50" -v n99="$mem_bat_p99" \
    -v ack="$ack" -v fail="$fail" -v stored="$stored" \
    -v back="$back" -v bfail="$bfail" -v bstored="$bstored" \
    -v c="$CONNECTIONS" -v d="$DURATION" 'BEGIN {
  printf "ruddermock benchmark: %d keep-alive connections, %d s per run, unique messageIds, %s\n", c, d, strftime("%Y-%m-%d %H:%M")
  printf "%-34s %12s %12s %9s %9s\n", "run", "req/s", "events/s", "p50 ms", "p99 ms"
  printf "%-34s %12.0f %12s %9.2f %9.2f\n", "bare httplib (ok only)", br, "-", b50, b99
  printf "%-34s %12.0f %12.0f %9.2f %9.2f\n", "ruddermock /v1/track (file db)", r1, r1, p50, p99
  printf "%-34s %12.0f %12.0f %9.2f %9.2f\n", "ruddermock /v1/batch x100 (file db)", rb, rb * 100, q50, q99
  printf "%-34s %12.0f %12.0f %9.2f %9.2f\n", "ruddermock /v1/track (:memory:)", m1, m1, m50, m99
  printf "%-34s %12.0f %12.0f %9.2f %9.2f\n", "ruddermock /v1/batch x100 (:memory:)", mb, mb * 100, n50, n99
  printf "single (file db) / bare = %.2f (target >= 0.60), single p99 = %.2f ms (target <= 20)\n", r1 / br, p99
  printf "batch events/s / single events/s (file db) = %.2f (target >= 5)\n", rb * 100 / r1
  printf "fixed-count singles: acknowledged %d, failed %d, stored %d -> %s\n", ack, fail, stored, (ack == stored ? "equal" : "MISMATCH")
  printf "fixed-count batches: acknowledged %d x100 = %d events, failed %d, stored %d -> %s\n", back, back * 100, bfail, bstored, (back * 100 == bstored ? "equal" : "MISMATCH")
}'
