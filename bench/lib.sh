# Shared by the wrk benchmarks (bench/run.sh, bench/bounded.sh): sourced, not run.
# Needs THREADS and CONNECTIONS set (and SLICES and slice, seconds, for alternate).

# A scratch folder in $tmp (under $1 if given, else the system's) and the list $pids of
# background servers, both cleaned up at exit (the folder kept when KEEP is set).
tmp=$(mktemp -d ${1:+"$1/ruddermock-bench-XXXXXX"})
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

# --- bodies -----------------------------------------------------------------------------
event() { # $1 = index; about 700 bytes; __MID__ becomes a unique messageId (bench/unique.lua)
  printf '{"type":"track","userId":"bench-user-%s","messageId":"__MID__","anonymousId":"5f1c6b8e-1f0a-4c1e-9d2a-3b4c5d6e7f80","event":"Order Completed","properties":{"order_id":"ord-%s","total":129.99,"currency":"USD","coupon":"WINTER","products":[{"sku":"SKU-001","name":"Thermal Mug","price":24.5,"quantity":2},{"sku":"SKU-002","name":"Wool Socks","price":12.0,"quantity":3}]},"context":{"library":{"name":"bench","version":"1.0.0"},"locale":"en-US","userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36","ip":"203.0.113.9","page":{"path":"/checkout","url":"https://shop.example.com/checkout"}},"originalTimestamp":"2026-11-26T10:00:00.000Z","sentAt":"2026-11-26T10:00:00.100Z"}' "$1" "$1"
}
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

batch_body() { # $1 = events -> a /v1/batch body on stdout
  printf '{"batch":['
  for i in $(seq 1 "$1"); do
    [ "$i" -gt 1 ] && printf ','
    event "$i"
  done
  printf '],"sentAt":"2026-11-26T10:00:00.100Z"}'
}
# alternate PORT_A KEY_A PORT_B KEY_B PATH BODY_A BODY_B [REPEAT_A REPEAT_B]
#   -> "rps_a p50_a p99_a rps_b p50_b p99_b": mean rate and p50 over the slices, worst p99
alternate() {
  local out=""
  for _ in $(seq 1 "$SLICES"); do
    out+="$(DURATION=$slice REPEAT_PERCENT=${8:-0} run_wrk "$1" "$5" "$6" "$2") "
    out+="$(DURATION=$slice REPEAT_PERCENT=${9:-0} run_wrk "$3" "$5" "$7" "$4")"$'\n'
  done
  echo "$out" | awk 'NF == 6 { n++; ra += $1; ma += $2; pa = $3 > pa ? $3 : pa; rb += $4; mb += $5; pb = $6 > pb ? $6 : pb }
    END { printf "%.0f %.2f %.2f %.0f %.2f %.2f\n", ra / n, ma / n, pa, rb / n, mb / n, pb }'
}
