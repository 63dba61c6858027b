#!/usr/bin/env bash
# The real window under Xvfb (software OpenGL): with EVENTS events stored (default 1,000,000,
# a file database) and RATE events/s arriving (default 2,000, batches of 20 every 10 ms with
# unique messageIds) for DURATION seconds (default 20), prints the UI thread's CPU per drawn frame
# (ruddermock --frame-stats: ImGui, the panels and GL submission), then the whole process's
# CPU while idle and its resident memory. Targets (issue 9): < 8 ms of CPU per frame, < 5% of
# a core idle, < 150 MB resident. Not a test: prints numbers.
# Environment: EVENTS, RATE, DURATION, DB (keep the filled database there and reuse it).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-1000000}
RATE=${RATE:-2000}
DURATION=${DURATION:-20}
command -v xvfb-run >/dev/null || { echo "xvfb-run is missing: ./scripts/install-deps.sh" >&2; exit 2; }
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DRUDDERMOCK_TESTS=OFF >/dev/null
cmake --build build-bench -j2 --target ruddermock ruddermock_bench_store >/dev/null
tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
db=${DB:-$tmp/ui-bench.db}
if [ ! -f "$db" ]; then
  echo "filling $db with $EVENTS events..."
  ./build-bench/bench/ruddermock_bench_store --db "$db" --jobs $((EVENTS / 100)) --events-per-job 100 >/dev/null
fi
xvfb-run -a -s "-screen 0 1600x1000x24" ./build-bench/ruddermock --db "$db" --port 0 \
  --port-file "$tmp/port" --frame-stats 2>"$tmp/stderr" &
pid=$!
for _ in $(seq 1 500); do [ -s "$tmp/port" ] && break; sleep 0.02; done
port=$(cat "$tmp/port")
app=$(pgrep -n -x ruddermock)
sleep 3
node - "$port" "$RATE" "$DURATION" <<'JS'
const [port, rate, seconds] = process.argv.slice(2).map(Number);
const auth = 'Basic ' + Buffer.from('wk-ui-bench:').toString('base64');
let n = 0;
const perTick = Math.max(1, Math.round(rate / 100));
const end = Date.now() + seconds * 1000;
const tick = async () => {
  const batch = [];
  for (let i = 0; i < perTick; i++) {
    batch.push({ type: 'track', userId: `u${n % 50}`, event: 'Bench', messageId: `ui-${process.pid}-${n++}`, properties: { i: n } });
  }
  await fetch(`http://127.0.0.1:${port}/v1/batch`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify({ batch }) });
};
const timer = setInterval(() => { if (Date.now() > end) { clearInterval(timer); return; } tick(); }, 10);
JS
sleep 2
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$app/stat"; }
c0=$(cpu); sleep 10; c1=$(cpu)
echo "idle: $(( (c1 - c0) * 100 / ticks / 10 ))% of one core over 10 s (whole process)"
echo "resident: $(awk '/VmRSS/ {print $2 / 1024 " MB"}' /proc/$app/status)"
kill -TERM "$app"
wait "$pid" 2>/dev/null || true
pid=""
grep "frames drawn" "$tmp/stderr" || { echo "no frame stats:"; cat "$tmp/stderr"; }
