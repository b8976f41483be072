#!/usr/bin/env bash
# End-to-end part of scripts/bench: every operation cognate-load drives, at 1, 16 and 64 keep-alive
# connections, each against a fresh server on its own data directory. Appends one JSON line per
# run to $RESULTS/e2e.jsonl: cognate-load's figures plus the server's CPU seconds and peak RSS.
# Right before and right after the 16-connection run of a crypto-bound operation it measures that
# operation's cryptography alone on the server's cores (cognate-micro, limit/OP.{before,after}.json),
# so its crypto limit is taken at the same moment as the rate set against it.
#
# Environment (set by scripts/bench): ROOT, BUILD, RESULTS, SECONDS_PER_RUN, COGNATE_BENCH_OPS,
# COGNATE_BENCH_PORT, COGNATE_SERVER_CPUS, COGNATE_LOAD_CPUS (empty: not pinned).
set -euo pipefail
cd "$ROOT"

BIN=$BUILD/api/cognate
LOAD=$BUILD/bench/cognate-load
PORT=${COGNATE_BENCH_PORT:-19620}
read -r -a OPS <<<"${COGNATE_BENCH_OPS:-signup initiate-auth srp-sign-in refresh get-user admin-get-user list-users jwks}"
CONNECTIONS=(1 16 64)
KEY=AKIDBENCH:benchsecret
server_pin=()
load_pin=()
[[ -n "${COGNATE_SERVER_CPUS:-}" ]] && server_pin=(taskset -c "$COGNATE_SERVER_CPUS")
[[ -n "${COGNATE_LOAD_CPUS:-}" ]] && load_pin=(taskset -c "$COGNATE_LOAD_CPUS")
ticks=$(getconf CLK_TCK)
CRYPTO_BOUND=" signup initiate-auth srp-sign-in refresh "

# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh
# shellcheck source=bench/parts/micro_binary.sh
source bench/parts/micro_binary.sh
MICRO=$(cognate_micro_binary) || MICRO=""
[[ -n "$MICRO" ]] || echo "[bench] cognate-micro did not build: crypto limits from the micro part only" >&2
mkdir -p "$RESULTS/limit"

# measure_crypto OP WHEN: OP's cryptography alone, on the server's cores, into limit/OP.WHEN.json.
measure_crypto() {
  local op=$1 when=$2
  [[ -n "$MICRO" ]] || return 0
  "${server_pin[@]}" "$MICRO" --benchmark_filter="$(python3 bench/report/micro.py --limit-filter "$op")" \
    --benchmark_min_time="$(cognate_micro_min_time "$MICRO" 0.5)" --benchmark_format=json \
    --benchmark_out="$RESULTS/limit/$op.$when.json" --benchmark_out_format=json >/dev/null 2>&1 ||
    echo "[bench] measuring $op's cryptography $when its run failed" >&2
}

pid=""
dir=""
cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  [[ -n "$dir" ]] && rm -rf "$dir"
  return 0
}
trap cleanup EXIT

for op in "${OPS[@]}"; do
  for c in "${CONNECTIONS[@]}"; do
    adjacent=""
    [[ $c == 16 && $CRYPTO_BOUND == *" $op "* ]] && adjacent=1
    [[ -n "$adjacent" ]] && measure_crypto "$op" before
    dir=$(mktemp -d)
    "${server_pin[@]}" "$BIN" serve --data "$dir" --listen "127.0.0.1:$PORT" --admin-key "$KEY" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done
    echo "[bench] cognate: $op at $c connections" >&2
    line=$("${load_pin[@]}" "$LOAD" --endpoint "http://127.0.0.1:$PORT" --admin-key "$KEY" --op "$op" \
             --connections "$c" --duration "$SECONDS_PER_RUN" --warmup 1 --json 2>/dev/null || true)
    # The server's CPU (user + system, set-up included) and peak RSS over its whole life.
    read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    kill "$pid"
    wait "$pid" || true
    pid=""
    rm -rf "$dir"
    dir=""
    [[ -n "$adjacent" ]] && measure_crypto "$op" after
    [[ -n "$line" ]] || line="{\"op\":\"$op\",\"connections\":$c,\"failed\":true}"
    python3 - "$line" "$utime" "$stime" "$ticks" "$rss" >>"$RESULTS/e2e.jsonl" <<'PY'
import json, sys
run = json.loads(sys.argv[1])
run["server_cpu_s"] = (int(sys.argv[2]) + int(sys.argv[3])) / int(sys.argv[4])
run["server_peak_rss_mb"] = int(sys.argv[5]) / 1024
print(json.dumps(run))
PY
  done
done
