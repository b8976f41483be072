#!/usr/bin/env bash
# SignUp at 16 connections for 20 s, without and then with a PreSignUp trigger (the domain
# allow-list example, which every bench sign-up passes), each against a fresh server; prints
# cognate-load's JSON lines. Build first: cmake --build build/release --target cognate cognate_load
#
#   bench/signup_trigger_load.sh [path/to/cognate] [path/to/cognate-load]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN=${1:-$ROOT/build/release/api/cognate}
LOAD=${2:-$ROOT/build/release/bench/cognate-load}
PORT=${COGNATE_BENCH_PORT:-19610}
KEY=AKIDBENCH:benchsecret
SCRIPT=$(mktemp)
# Lets every sign-up through (bench users have no email) after the work a real check does.
cat >"$SCRIPT" <<'LUA'
local blocked = { ["spam.example"] = true }
function handler(event)
  local email = event.request.userAttributes.email
  if type(email) == "string" and blocked[string.lower(string.match(email, "@(.+)$") or "")] then
    error("Sign-up is not open to this domain")
  end
  return event
end
LUA
for mode in plain trigger; do
  dir=$(mktemp -d)
  "$BIN" serve --data "$dir" --listen "127.0.0.1:$PORT" --admin-key "$KEY" >"$dir.log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done
  extra=()
  if [[ $mode == trigger ]]; then
    "$BIN" trigger put bench-presignup "$SCRIPT" --endpoint "http://127.0.0.1:$PORT" --admin-key "$KEY" >/dev/null
    extra=(--lambda PreSignUp=bench-presignup)
  fi
  echo "== $mode"
  "$LOAD" --endpoint "http://127.0.0.1:$PORT" --admin-key "$KEY" --op signup \
          --connections 16 --duration 20 --warmup 2 --json "${extra[@]}"
  if ! kill "$pid" 2>/dev/null; then echo "the server had stopped:" >&2; cat "$dir.log" >&2; fi
  wait "$pid" || true
  rm -rf "$dir" "$dir.log"
done
rm -f "$SCRIPT"
