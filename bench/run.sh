#!/usr/bin/env bash
# ruddermock benchmark (prints numbers; not a test). Compares, in one run on one machine:
#   - a bare cpp-httplib server tuned the same way that only answers "ok"
#   - ruddermock /v1/track with single ~700-byte events (one user and device, then a new
#     anonymousId per event, as many devices send)
#   - ruddermock /v1/batch with 100 events per request, with fresh and with 50% repeated
#     messageIds (an SDK retrying batches whose answers were lost)
# then checks with a fixed-count client that stored events equal acknowledged ones.
# Every event carries a messageId unique to the run, wrk thread and request (bench/unique.lua),
# as SDKs send them, so the server's repeat check runs as it does for real traffic. ruddermock
# runs twice: on the default kind of database, a file (DB, default a fresh file in a temporary
# folder), then on :memory: (a temporary file in /dev/shm, as test suites often use it).
# Needs wrk: ./scripts/install-deps.sh --bench
# The bare-vs-ruddermock and fresh-vs-repeats comparisons run in SLICES alternating slices.
# Environment: DURATION (s, default 10), SLICES (default 4), CONNECTIONS (default 64),
# THREADS (wrk, default 2), DB (the file database; the kernel's write-back of dirty pages competes for the CPU once a
# run has written more than ~30 s worth of data).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
SLICES=${SLICES:-4}
command -v wrk >/dev/null || { echo "wrk is missing: ./scripts/install-deps.sh --bench" >&2; exit 2; }

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRUDDERMOCK_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target ruddermock ruddermock_bench_bare ruddermock_bench_client ruddermock_bench_store >/dev/null


source bench/lib.sh
event 1 > "$tmp/single.json"
sed 's/"messageId":"__MID__",//' "$tmp/single.json" > "$tmp/single_count.json"
# Many devices: a new anonymousId per event too (each lands on a random leaf of its index).
sed 's/"anonymousId":"[^"]*"/"anonymousId":"a-__MID__"/' "$tmp/single.json" > "$tmp/single_devices.json"
batch_body 100 > "$tmp/batch.json"
sed 's/"messageId":"__MID__",//g' "$tmp/batch.json" > "$tmp/batch_count.json"

# --- singles: bare and ruddermock (file db) in alternating slices -----------------------------
# Both servers run side by side; wrk loads one at a time, SLICES times each, so the machine's
# noise (other jobs, the kernel writing back dirty pages) falls on both alike.
db_file=${DB:-$tmp/bench.db}
start_rm() { # $1 db -> port in $port, pid appended
  rm -f "$tmp/rm.port"
  ./build-bench/ruddermock --headless --port 0 --port-file "$tmp/rm.port" --db "$1" \
    --log-level warn > "$tmp/rm.log" 2>&1 &
  pids+=($!)
  port=$(wait_port "$tmp/rm.port")
}
./build-bench/bench/ruddermock_bench_bare 64 > "$tmp/bare.port" &
pids+=($!)
bare_pid=$!
bare_port=$(wait_port "$tmp/bare.port")
start_rm "$db_file"
slice=$(( DURATION / SLICES > 2 ? DURATION / SLICES : 2 ))
read -r bare_rps bare_p50 bare_p99 one_rps one_p50 one_p99 < <(alternate \
  "$bare_port" wk-bare "$port" wk-bench-single /v1/track "$tmp/single.json" "$tmp/single.json")
kill "$bare_pid"

read -r dev_rps dev_p50 dev_p99 < <(run_wrk "$port" /v1/track "$tmp/single_devices.json" wk-bench-devices)

# --- batches (file db), then 50% repeated messageIds against none, alternating ------------
read -r bat_rps bat_p50 bat_p99 < <(run_wrk "$port" /v1/batch "$tmp/batch.json" wk-bench-batch)
read -r fresh_rps _ _ rep_rps _ _ < <(alternate "$port" wk-bench-fresh "$port" wk-bench-repeat \
  /v1/batch "$tmp/batch.json" "$tmp/batch.json" 0 50)

# --- stored == acknowledged (fixed-count client, bodies without messageIds) ----------------
read -r ack fail < <(./build-bench/bench/ruddermock_bench_client "$port" /v1/track "$tmp/single_count.json" 20000 "$CONNECTIONS")
stored=$(stat_events "$port" wk-bench-count)
curl -s -X POST "http://127.0.0.1:$port/_mock/reset?writeKey=wk-bench-count" > /dev/null
read -r back bfail < <(./build-bench/bench/ruddermock_bench_client "$port" /v1/batch "$tmp/batch_count.json" 500 "$CONNECTIONS")
bstored=$(stat_events "$port" wk-bench-count)


# --- :memory: (a temporary file in /dev/shm) ---------------------------------------------
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
start_rm ":memory:"
read -r mem_one_rps mem_one_p50 mem_one_p99 < <(run_wrk "$port" /v1/track "$tmp/single.json" wk-bench-single)
read -r mem_bat_rps mem_bat_p50 mem_bat_p99 < <(run_wrk "$port" /v1/batch "$tmp/batch.json" wk-bench-batch)

awk -v br="$bare_rps" -v b50="$bare_p50" -v b99="$bare_p99" \
    -v r1="$one_rps" -v p50="$one_p50" -v p99="$one_p99" \
    -v dr="$dev_rps" -v d50="$dev_p50" -v d99="$dev_p99" \
    -v rb="$bat_rps" -v q50="$bat_p50" -v q99="$bat_p99" \
    -v m1="$mem_one_rps" -v m50="$mem_one_p50" -v m99="$mem_one_p99" \
    -v mb="$mem_bat_rps" -v n50="$mem_bat_p50" -v n99="$mem_bat_p99" \
    -v ack="$ack" -v fail="$fail" -v stored="$stored" \
    -v back="$back" -v bfail="$bfail" -v bstored="$bstored" \
    -v fr="$fresh_rps" -v rr="$rep_rps" -v sl="$SLICES" -v sd="$slice" \
    -v c="$CONNECTIONS" -v d="$DURATION" 'BEGIN {
  printf "ruddermock benchmark: %d keep-alive connections, %d s per run, unique messageIds, %s\n", c, d, strftime("%Y-%m-%d %H:%M")
  printf "%-34s %12s %12s %9s %9s\n", "run", "req/s", "events/s", "p50 ms", "p99 ms"
  printf "%-34s %12.0f %12s %9.2f %9.2f\n", "bare httplib (ok only)", br, "-", b50, b99
  printf "%-34s %12.0f %12.0f %9.2f %9.2f\n", "ruddermock /v1/track (file db)", r1, r1, p50, p99
  printf "%-34s %12.0f %12.0f %9.2f %9.2f\n", "  ... an anonymousId per event", dr, dr, d50, d99
  printf "%-34s %12.0f %12.0f %9.2f %9.2f\n", "ruddermock /v1/batch x100 (file db)", rb, rb * 100, q50, q99
  printf "%-34s %12.0f %12.0f %9.2f %9.2f\n", "ruddermock /v1/track (:memory:)", m1, m1, m50, m99
  printf "%-34s %12.0f %12.0f %9.2f %9.2f\n", "ruddermock /v1/batch x100 (:memory:)", mb, mb * 100, n50, n99
  printf "single (file db) / bare = %.2f (target >= 0.60; %d alternating %d-s slices each), single p99 = %.2f ms (target <= 20)\n", r1 / br, sl, sd, p99
  # 50%% repeats: time per event = (fresh + repeat) / 2, so repeat / fresh = 2 * t50 / t0 - 1
  printf "batches with 50%% repeated messageIds: %.0f events/s vs %.0f fresh -> a repeat costs %.2fx a fresh event (target <= 2)\n", rr * 100, fr * 100, 2 * fr / rr - 1
  printf "batch events/s / single events/s (file db) = %.2f (target >= 5)\n", rb * 100 / r1
  printf "fixed-count singles: acknowledged %d, failed %d, stored %d -> %s\n", ack, fail, stored, (ack == stored ? "equal" : "MISMATCH")
  printf "fixed-count batches: acknowledged %d x100 = %d events, failed %d, stored %d -> %s\n", back, back * 100, bfail, bstored, (back * 100 == bstored ? "equal" : "MISMATCH")
}'
