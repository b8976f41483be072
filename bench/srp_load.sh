#!/usr/bin/env bash
# SRP sign-in (InitiateAuth USER_SRP_AUTH + RespondToAuthChallenge PASSWORD_VERIFIER, one measured
# operation) and, for comparison, InitiateAuth USER_PASSWORD_AUTH, at 16 keep-alive connections
# for 20 s each (2 s warm-up), each against a fresh server on its own data directory; prints
# cognate-load's JSON line and the server's peak RSS. The generator runs on the same machine and
# its SRP client math takes CPU too (see bench/README.md). Build first:
# cmake --build build/release --target cognate cognate_load
#
#   bench/srp_load.sh [path/to/cognate] [path/to/cognate-load]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN=${1:-$ROOT/build/release/api/cognate}
LOAD=${2:-$ROOT/build/release/bench/cognate-load}
PORT=${COGNATE_BENCH_PORT:-19610}
status=0  # the last failing cognate-load exit status (0 if none); every server is stopped anyway
for op in srp-sign-in initiate-auth; do
  dir=$(mktemp -d)
  "$BIN" serve --data "$dir" --listen "127.0.0.1:$PORT" --admin-key AKIDBENCH:benchsecret >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done
  "$LOAD" --endpoint "http://127.0.0.1:$PORT" --admin-key AKIDBENCH:benchsecret --op "$op" \
          --connections 16 --duration 20 --warmup 2 --json || status=$?
  echo "server peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")"
  kill "$pid"
  wait "$pid" || true
  rm -rf "$dir"
done
exit "$status"
