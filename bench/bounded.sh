#!/usr/bin/env bash
# Bounded storage benchmark (prints numbers; not a test): does --max-db-mb keep the file near
# its limit under continuous ingest, and what does the trim cost? Two servers on fresh file
# databases take batches of 100 events with unique messageIds in alternating slices (so the
# machine's noise hits both alike): one with --max-db-mb, one without. After each slice it
# prints the rate, p99, the database and -wal sizes and the events kept.
# Needs wrk: ./scripts/install-deps.sh --bench
# Environment: MAX_MB (default 64), SLICES (per server, default 6), SLICE (s, default 8),
# CONNECTIONS (default 16), THREADS (wrk, default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_MB=${MAX_MB:-64}
SLICES=${SLICES:-6}
DURATION=${SLICE:-8}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is missing: ./scripts/install-deps.sh --bench" >&2; exit 2; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRUDDERMOCK_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target ruddermock >/dev/null

source bench/lib.sh
batch_body 100 > "$tmp/batch.json"

start() { # $1 name, $2... flags -> port on stdout
  local name=$1
  shift
  ./build-bench/ruddermock --headless --port 0 --port-file "$tmp/$name.port" \
    --db "$tmp/$name.db" --log-level warn "$@" > "$tmp/$name.log" 2>&1 &
  pids+=($!)
  wait_port "$tmp/$name.port"
}
mb() { awk -v b="$(stat -c %s "$1" 2>/dev/null || echo 0)" 'BEGIN { printf "%.1f", b / 1048576 }'; }
kept() {
  curl -s "http://127.0.0.1:$1/_mock/stats" | node -e \
    "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log(JSON.parse(s).events))"
}

bounded_port=$(start bounded --max-db-mb "$MAX_MB")
free_port=$(start unbounded)
printf 'bounded storage: batches x100, %d connections, %d s slices, --max-db-mb %d, %s\n' \
  "$CONNECTIONS" "$DURATION" "$MAX_MB" "$(date '+%Y-%m-%d %H:%M')"
printf '%-6s %-10s %11s %9s %9s %9s %12s\n' slice server events/s "p99 ms" "db MB" "wal MB" "events kept"
sum_b=0
sum_u=0
max_b=0
for i in $(seq 1 "$SLICES"); do
  for name in bounded unbounded; do
    port=$bounded_port
    [ "$name" = unbounded ] && port=$free_port
    read -r rps _ p99 < <(run_wrk "$port" /v1/batch "$tmp/batch.json" "wk-$name")
    size=$(mb "$tmp/$name.db")
    printf '%-6s %-10s %11.0f %9.2f %9s %9s %12s\n' "$i" "$name" "$(awk -v r="$rps" 'BEGIN { print r * 100 }')" \
      "$p99" "$size" "$(mb "$tmp/$name.db-wal")" "$(kept "$port")"
    if [ "$name" = bounded ]; then
      sum_b=$(awk -v a="$sum_b" -v r="$rps" 'BEGIN { print a + r }')
      max_b=$(awk -v a="$max_b" -v s="$size" 'BEGIN { print (s > a ? s : a) }')
    else
      sum_u=$(awk -v a="$sum_u" -v r="$rps" 'BEGIN { print a + r }')
    fi
  done
done
awk -v b="$sum_b" -v u="$sum_u" -v m="$max_b" -v lim="$MAX_MB" 'BEGIN {
  printf "bounded / unbounded ingest rate = %.2f; largest bounded file %.1f MB (limit %d MB)\n", b / u, m, lim
}'
