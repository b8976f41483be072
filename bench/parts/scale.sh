#!/usr/bin/env bash
# Scale part of scripts/bench: a pool of 1,000 users and a pool of $SCALE_USERS (default
# 1,000,000), each seeded by cognate-seed-log --mode pool into its own data directory, then, for
# each: start-up time, USER_PASSWORD_AUTH sign-in at 16 connections, GetUser at 64, the server's
# peak RSS and CPU, and disk bytes per user. Writes $RESULTS/scale.json (bench/report/scale.py
# renders it). The data directories are removed at the end.
#
# Per pool:
#   seed        cognate-seed-log on every core, its final compaction included: wall and CPU
#               seconds (see bench/README.md for what it does cheaper than a server)
#   first start `cognate serve` on the freshly seeded directory: from exec to the first answered
#               request (GET /<pool>/.well-known/jwks.json polled every 5 ms)
#   start-up    best of 3 more starts
#   sign-in     cognate-load --op initiate-auth, 16 connections, over min(users, 10,000) users spread
#               evenly over the pool
#   GetUser     cognate-load --op get-user, 64 connections; set-up signs in 1,000 users spread over
#               the pool
#   RSS, CPU    VmHWM of the server that served both runs (started on the flushed directory); its
#               CPU seconds during each run
#   disk        du -sb of the data directory after seeding, and after the server stopped
#
# Environment (set by scripts/bench):
#   ROOT, BUILD (a configured CMake build directory), RESULTS
#   SECONDS_PER_RUN        measured seconds per load run (default 10; 1 s warm-up before)
#   COGNATE_SERVER_CPUS    cores for the server (taskset -c; empty: not pinned)
#   COGNATE_LOAD_CPUS      cores for cognate-load and the start-up poller (empty: not pinned)
#   SCALE_USERS            users of the large pool (default 1000000)
#   SCALE_PORT             the server's port (default 19660)
set -euo pipefail

: "${ROOT:?ROOT must be set}" "${BUILD:?BUILD must be set}" "${RESULTS:?RESULTS must be set}"
cd "$ROOT"
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
SCALE_USERS=${SCALE_USERS:-1000000}
SCALE_PORT=${SCALE_PORT:-19660}
KEY=AKIDBENCH:benchsecret
SIGN_IN_SAMPLE=10000   # cognate-load --users at most 10,000
GET_USER_SAMPLE=1000

log() { printf '[scale] %s\n' "$*" >&2; }

part_started=$(date +%s.%N)
log "building cognate, cognate_load, cognate_seed_log in $BUILD"
cmake --build "$BUILD" -j"$(nproc)" --target cognate cognate_load cognate_seed_log >/dev/null
BIN=$BUILD/api/cognate
LOAD=$BUILD/bench/cognate-load
SEED=$BUILD/bench/cognate-seed-log

server_pin=()
load_pin=()
[[ -n "${COGNATE_SERVER_CPUS:-}" ]] && server_pin=(taskset -c "$COGNATE_SERVER_CPUS")
[[ -n "${COGNATE_LOAD_CPUS:-}" ]] && load_pin=(taskset -c "$COGNATE_LOAD_CPUS")
ticks=$(getconf CLK_TCK)
mkdir -p "$RESULTS"

WORK=$(mktemp -d -t cognate-scale.XXXXXX)
pid=""
stop_server() {
  [[ -n "$pid" ]] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -9 "$pid" 2>/dev/null || true
  pid=""
}
cleanup() {
  stop_server
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if (echo >"/dev/tcp/127.0.0.1/$SCALE_PORT") 2>/dev/null; then
  log "port $SCALE_PORT is already in use; set SCALE_PORT"
  exit 1
fi

# Runs a command and prints {"wall_s":..,"cpu_s":..} of it (children's user + system time).
timed() {
  python3 - "$@" <<'PY'
import json, resource, subprocess, sys, time
start = time.monotonic()
code = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3), "exit": code}))
PY
}

# start_server DIR POOL OUT: starts `cognate serve` on DIR and waits until it answers the pool's
# JWKS; sets $pid and writes {"pid":..,"startup_ms":..} to OUT. The poller times from just before
# the exec. Not in a subshell: $pid must survive.
start_server() {
  local dir=$1 pool=$2 out
  out=$("${load_pin[@]}" python3 - "$dir" "$pool" "$SCALE_PORT" "$BIN" "$KEY" "${server_pin[@]}" <<'PY'
import http.client, json, subprocess, sys, time
data, pool, port, binary, key = sys.argv[1:6]
pin = sys.argv[6:]
log = open(data + ".serve.log", "ab")
start = time.monotonic()
server = subprocess.Popen(pin + [binary, "serve", "--data", data, "--listen", f"127.0.0.1:{port}",
                                 "--admin-key", key], stdout=log, stderr=log, start_new_session=True)
deadline = start + 300
while time.monotonic() < deadline and server.poll() is None:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", int(port), timeout=5)
        connection.request("GET", f"/{pool}/.well-known/jwks.json")
        if connection.getresponse().status == 200:
            print(json.dumps({"pid": server.pid, "startup_ms": round((time.monotonic() - start) * 1000, 1)}))
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.005)
print(json.dumps({"pid": server.pid, "failed": True}))
PY
)
  pid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["pid"])' "$out")
  echo "$out" >"$3"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# load_run OP CONNECTIONS USERS POOL_JSON: one cognate-load run against the running server; prints
# its JSON with the server's CPU seconds during the run (set-up included).
load_run() {
  local op=$1 connections=$2 users=$3 seed_json=$4 before after line pool client prefix total
  pool=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pool_id"])' "$seed_json")
  client=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_id"])' "$seed_json")
  prefix=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["user_prefix"])' "$seed_json")
  total=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["users"])' "$seed_json")
  before=$(cpu_ticks "$pid")
  line=$("${load_pin[@]}" "$LOAD" --endpoint "http://127.0.0.1:$SCALE_PORT" --admin-key "$KEY" --op "$op" \
           --pool-id "$pool" --client-id "$client" --user-prefix "$prefix" --pool-users "$total" \
           --users "$users" --connections "$connections" --duration "$SECONDS_PER_RUN" --warmup 1 --json \
           2>>"$WORK/load.log" || true)
  after=$(cpu_ticks "$pid")
  [[ -n "$line" ]] || line="{\"op\":\"$op\",\"connections\":$connections,\"failed\":true}"
  python3 - "$line" "$before" "$after" "$ticks" <<'PY'
import json, sys
run = json.loads(sys.argv[1])
run["server_cpu_s"] = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4])
print(json.dumps(run))
PY
}

measure_pool() {
  local name=$1 users=$2 dir="$WORK/$1" seed_json="$WORK/$1.seed.json" seed_time first starts=() i
  local pool disk_seeded rss_first sign_in get_user rss disk
  log "$name: seeding $users users"
  seed_time=$(timed "$SEED" --data "$dir" --mode pool --users "$users" --threads "$(nproc)" --out "$seed_json")
  if [[ ! -s "$seed_json" ]]; then
    log "$name: seeding failed: $seed_time"
    return 1
  fi
  pool=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pool_id"])' "$seed_json")
  disk_seeded=$(du -sb "$dir" | cut -f1)
  log "$name: seeded in $(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["wall_s"])' "$seed_time") s, $disk_seeded bytes; first start"

  start_server "$dir" "$pool" "$WORK/start.json"
  first=$(cat "$WORK/start.json")
  rss_first=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  stop_server
  for i in 1 2 3; do
    start_server "$dir" "$pool" "$WORK/start.json"
    starts+=("$(cat "$WORK/start.json")")
    ((i == 3)) || stop_server
  done
  log "$name: starts $first ${starts[*]}"

  log "$name: sign-in (initiate-auth) at 16 connections"
  sign_in=$(load_run initiate-auth 16 "$((users < SIGN_IN_SAMPLE ? users : SIGN_IN_SAMPLE))" "$seed_json")
  log "$name: GetUser at 64 connections"
  get_user=$(load_run get-user 64 "$((users < GET_USER_SAMPLE ? users : GET_USER_SAMPLE))" "$seed_json")
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  stop_server
  disk=$(du -sb "$dir" | cut -f1)
  python3 - "$name" "$users" "$seed_json" "$seed_time" "$first" "$rss_first" "$sign_in" "$get_user" "$rss" \
    "$disk_seeded" "$disk" "${starts[@]}" <<'PY'
import json, sys
name, users, seed_json, seed_time, first, rss_first, sign_in, get_user, rss, disk_seeded, disk = sys.argv[1:12]
starts = [json.loads(s) for s in sys.argv[12:]]
ok = [s["startup_ms"] for s in starts if "startup_ms" in s]
users = int(users)
print(json.dumps({
    "name": name,
    "users": users,
    "seed": json.load(open(seed_json)),
    "seed_time": json.loads(seed_time),
    "first_start_ms": json.loads(first).get("startup_ms"),
    "first_start_peak_rss_mb": int(rss_first) / 1024 if rss_first else None,
    "startup_runs_ms": ok,
    "startup_ms": min(ok) if ok else None,
    "sign_in": json.loads(sign_in),
    "get_user": json.loads(get_user),
    "peak_rss_mb": int(rss) / 1024 if rss else None,
    "disk_bytes_after_seed": int(disk_seeded),
    "disk_bytes": int(disk),
    "disk_bytes_per_user": int(disk) / users,
}))
PY
  rm -rf "$dir"
}

measure_pool small 1000 >"$WORK/small.json"
measure_pool large "$SCALE_USERS" >"$WORK/large.json"
python3 - "$WORK/small.json" "$WORK/large.json" "$part_started" "$SECONDS_PER_RUN" >"$RESULTS/scale.json" <<'PY'
import json, sys, time
print(json.dumps({"pools": [json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))],
                  "seconds_per_run": float(sys.argv[4]),
                  "part_s": round(time.time() - float(sys.argv[3]), 1)}, indent=1))
PY
log "wrote $RESULTS/scale.json"
