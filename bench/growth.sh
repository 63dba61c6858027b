#!/usr/bin/env bash
# Growth benchmark (prints numbers; not a test): ingest over HTTP into a file database that has
# grown to each checkpoint (default 0, 1M, 5M and 10M events), against a fresh file database in
# alternating slices, so machine noise cancels in the ratio. Between checkpoints the grown
# database is filled with bench/store_bench (Store::record without HTTP, batches of 100 events
# with unique messageIds), which is faster than wrk. Also prints the start-up time on the grown
# database, /_mock/stats latency and bytes on disk per event. Needs wrk (install-deps --bench)
# and ~1.3 KB of disk per event (13 GB at 10M).
# Environment: CHECKPOINTS (events, default "0 1000000 5000000 10000000"), SLICES (default 3),
# SLICE (s, default 5), CONNECTIONS (default 32), THREADS (wrk, default 2), DIR (where the
# databases go, default a temporary folder on the disk, not /dev/shm).
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKPOINTS=${CHECKPOINTS:-0 1000000 5000000 10000000}
SLICES=${SLICES:-3}
slice=${SLICE:-5}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is missing: ./scripts/install-deps.sh --bench" >&2; exit 2; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRUDDERMOCK_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target ruddermock ruddermock_bench_store >/dev/null

source bench/lib.sh "${DIR:-/var/tmp}"
event 1 > "$tmp/single.json"
batch_body 100 > "$tmp/batch.json"

start() { # $1 db, $2 port file -> port on stdout, pid in $tmp/$2.pid
  rm -f "$tmp/$2"
  ./build-bench/ruddermock --headless --port 0 --port-file "$tmp/$2" --db "$1" --log-level warn \
    > "$tmp/$2.log" 2>&1 &
  echo $! > "$tmp/$2.pid"
  wait_port "$tmp/$2"
}
# The server was started in a subshell ($(start ...)), so it is not this shell's child and wait
# cannot wait for it: poll until it has exited (its last WAL copy can take seconds), or the
# next start on the same database finds it still open and exits 2.
stop() {
  local p
  p=$(cat "$tmp/$1.pid")
  kill "$p" 2>/dev/null || true
  while kill -0 "$p" 2>/dev/null; do sleep 0.05; done
}
stored() { curl -s "http://127.0.0.1:$1/_mock/stats" | node -e \
  "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).events))"; }

grown="$tmp/grown.db"
printf 'growth: %d connections, %d x %d-s alternating slices per comparison, %s\n' \
  "$CONNECTIONS" "$SLICES" "$slice" "$(date '+%Y-%m-%d %H:%M')"
printf '%10s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n' events "db MB" "B/event" "start ms" \
  "stats ms" "1 grown" "1 fresh" "1 ratio" "100 ratio" "100 ev/s"
have=0
n=0
for target in $CHECKPOINTS; do
  if [ "$target" -gt "$have" ]; then # fill with Store::record, 100 events a job
    ./build-bench/bench/ruddermock_bench_store --db "$grown" --jobs $(( (target - have) / 100 )) \
      --events-per-job 100 > "$tmp/fill.log" 2>&1
  fi
  t0=$(date +%s%N)
  gport=$(start "$grown" grown.port)
  start_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  have=$(stored "$gport")
  stats_ms=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$gport/_mock/stats" |
    awk '{ printf "%.1f", $1 * 1000 }')
  n=$((n + 1))
  rm -f "$tmp/fresh$n.db"*
  fport=$(start "$tmp/fresh$n.db" fresh.port)
  read -r g1 _ _ f1 _ _ < <(alternate "$gport" wk-grown "$fport" wk-fresh /v1/track \
    "$tmp/single.json" "$tmp/single.json")
  read -r gb _ _ fb _ _ < <(alternate "$gport" wk-grown "$fport" wk-fresh /v1/batch \
    "$tmp/batch.json" "$tmp/batch.json")
  stop fresh.port
  have=$(stored "$gport")
  stop grown.port
  rm -f "$tmp/fresh$n.db"*
  bytes=$(( $(stat -c %s "$grown") + $(stat -c %s "$grown-wal" 2>/dev/null || echo 0) ))
  awk -v e="$have" -v b="$bytes" -v s="$start_ms" -v st="$stats_ms" -v g1="$g1" -v f1="$f1" \
      -v gb="$gb" -v fb="$fb" 'BEGIN {
    printf "%10d %9.0f %9.0f %9d %9s %9.0f %9.0f %9.2f %9.2f %9.0f\n", e, b / 1048576,
      (e > 0 ? b / e : 0), s, st, g1, f1, g1 / f1, gb / fb, gb * 100 }'
done
echo "1 = singles req/s on the grown and a fresh database; ratios grown / fresh (targets >= 0.7)"
