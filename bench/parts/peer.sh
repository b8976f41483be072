#!/usr/bin/env bash
# The same end-to-end load against cognito-local (the npm Cognito emulator, pinned in
# bench/peer/package.json): every operation cognate-load drives that cognito-local supports, at
# 1, 16 and 64 keep-alive connections, each against a fresh cognito-local on an empty data
# directory. One JSON line per run is appended to $RESULTS/peer.jsonl: cognate-load's --json
# object plus server_cpu_s and server_peak_rss_mb of the node process (whole life, set-up
# included), or {"op":..,"connections":..,"unsupported":true} for an operation cognito-local
# does not implement. bench/report/peer.py renders it next to Cognate's e2e.jsonl.
#
# Environment (set by scripts/bench):
#   ROOT                  the repository
#   BUILD                 a configured CMake build directory (cognate_load is built if missing)
#   RESULTS               directory to write peer.jsonl into
#   SECONDS_PER_RUN       measured seconds per run (default 10; 1 s warm-up before)
#   COGNATE_SERVER_CPUS   cores for cognito-local, for taskset -c (default: not pinned)
#   COGNATE_LOAD_CPUS     cores for cognate-load, for taskset -c (default: not pinned)
#   COGNATE_BENCH_OPS     space-separated operations (default: all)
#   PEER_PORT             cognito-local's port (default 19640)
set -euo pipefail

: "${ROOT:?ROOT must be set}" "${BUILD:?BUILD must be set}" "${RESULTS:?RESULTS must be set}"
cd "$ROOT"
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
PEER_PORT=${PEER_PORT:-19640}
read -r -a OPS <<<"${COGNATE_BENCH_OPS:-signup initiate-auth srp-sign-in refresh get-user admin-get-user list-users jwks}"
CONNECTIONS=(1 16 64)
# cognito-local ignores SigV4; cognate-load signs anyway, with any key.
KEY=AKIDBENCH:benchsecret
# InitiateAuth with AuthFlow USER_SRP_AUTH is refused (lib/targets/initiateAuth.js:
# UnsupportedError, HTTP 500 "CognitoLocal#Unsupported").
UNSUPPORTED=" srp-sign-in "

log() { printf '[peer] %s\n' "$*" >&2; }

# shellcheck source=scripts/lib/deps.sh
source "$ROOT/scripts/lib/deps.sh"
cognate_ensure_packages python3 util-linux
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  cognate_deps_test
fi
if (($(cognate_node_major) < 18)); then
  log "cognito-local (Express 5) needs Node.js 18 or newer, found $(node --version 2>/dev/null || echo none)"
  exit 1
fi

PEER_DIR="$ROOT/bench/peer"
START_JS="$PEER_DIR/node_modules/cognito-local/lib/bin/start.js"
# npm writes node_modules/.package-lock.json last; reinstall when it is missing or stale.
if [[ ! -f "$START_JS" || ! "$PEER_DIR/node_modules/.package-lock.json" -nt "$PEER_DIR/package-lock.json" ]]; then
  log "installing cognito-local (npm ci)"
  (cd "$PEER_DIR" && npm ci --no-audit --no-fund >&2)
fi
PEER_VERSION=$(node -p "require('$PEER_DIR/node_modules/cognito-local/package.json').version")

LOAD="$BUILD/bench/cognate-load"
if [[ ! -x "$LOAD" ]]; then
  log "building cognate_load in $BUILD"
  cmake --build "$BUILD" -j"$(nproc)" --target cognate_load >&2
fi

server_pin=()
load_pin=()
[[ -n "${COGNATE_SERVER_CPUS:-}" ]] && server_pin=(taskset -c "$COGNATE_SERVER_CPUS")
[[ -n "${COGNATE_LOAD_CPUS:-}" ]] && load_pin=(taskset -c "$COGNATE_LOAD_CPUS")

mkdir -p "$RESULTS"
OUT="$RESULTS/peer.jsonl"
ticks=$(getconf CLK_TCK)

port_open() { (echo >"/dev/tcp/127.0.0.1/$PEER_PORT") 2>/dev/null; }

pid=""
dir=""
cleanup() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [[ -n "$dir" ]]; then rm -rf "$dir"; fi
  pid=""
  dir=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if port_open; then
  log "port $PEER_PORT is already in use; set PEER_PORT"
  exit 1
fi

log "cognito-local $PEER_VERSION on 127.0.0.1:$PEER_PORT"
for op in "${OPS[@]}"; do
  for c in "${CONNECTIONS[@]}"; do
    if [[ "$UNSUPPORTED" == *" $op "* ]]; then
      printf '{"op":"%s","connections":%d,"unsupported":true}\n' "$op" "$c" >>"$OUT"
      continue
    fi
    # A fresh server: cognito-local keeps its config and data in ./.cognito of its working
    # directory. Its default config gives every new pool UsernameAttributes ["email"]
    # (lib/server/config.js), so usernames would have to be email addresses; the bench pool is
    # created without UsernameAttributes, which in Cognito (and Cognate) means plain usernames,
    # so the default is set to none.
    dir=$(mktemp -d)
    mkdir "$dir/.cognito"
    echo '{"UserPoolDefaults":{"UsernameAttributes":[]}}' >"$dir/.cognito/config.json"
    # exec all the way down, so $! is node's own pid.
    (cd "$dir" && HOST=127.0.0.1 PORT="$PEER_PORT" exec "${server_pin[@]}" node "$START_JS") \
      >"$dir/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 300); do
      port_open && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if ! port_open || [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" != node ]]; then
      log "cognito-local did not start:"
      tail -5 "$dir/server.log" >&2 || true
      exit 1
    fi
    log "$op at $c connections"
    line=$("${load_pin[@]}" "$LOAD" --endpoint "http://127.0.0.1:$PEER_PORT" --admin-key "$KEY" \
             --op "$op" --connections "$c" --duration "$SECONDS_PER_RUN" --warmup 1 --json \
             2>"$dir/load.log" || true)
    # node's CPU (user + system, all threads, set-up included) and peak RSS over its whole life.
    read -r utime stime < <(awk '{print $14, $15}' "/proc/$pid/stat")
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
    if [[ -z "$line" ]]; then
      log "cognate-load failed:"
      tail -3 "$dir/load.log" >&2 || true
      line="{\"op\":\"$op\",\"connections\":$c,\"failed\":true}"
    fi
    cleanup
    python3 - "$line" "$utime" "$stime" "$ticks" "$rss" >>"$OUT" <<'EOF'
import json, sys
run = json.loads(sys.argv[1])
# An operation a newer cognito-local stops implementing shows as every answer refused.
if run.get("requests") and run.get("errors") == run["requests"] and any(
        "CognitoLocal#Unsupported" in s for s in run.get("error_samples", [])):
    run["unsupported"] = True
run["server_cpu_s"] = (int(sys.argv[2]) + int(sys.argv[3])) / int(sys.argv[4])
run["server_peak_rss_mb"] = int(sys.argv[5]) / 1024
print(json.dumps(run))
EOF
  done
done
log "wrote $OUT"
