#!/usr/bin/env bash
# Micro part of scripts/bench: the Google Benchmark suite (cognate-micro, bench/micro/) on the
# server's core, written to $RESULTS/micro.json; bench/report/micro.py turns it into the micro
# benchmark table and each crypto-bound operation's crypto limit. About 40 s on 2 cores.
#
# Environment (set by scripts/bench): ROOT, BUILD (a configured CMake build directory), RESULTS,
# COGNATE_SERVER_CPUS (the server's cores for taskset; empty: not pinned).
# COGNATE_MICRO_MIN_TIME=S   minimum seconds per benchmark (default 0.2)
# COGNATE_MICRO_FILTER=RE    only the benchmarks matching RE (default: all)
# Durable appends write to scratch directories under $TMPDIR (else /tmp): that disk is measured.
set -euo pipefail
cd "$ROOT"
# shellcheck source=scripts/lib/deps.sh
source scripts/lib/deps.sh
# shellcheck source=bench/parts/micro_binary.sh
source bench/parts/micro_binary.sh
cognate_ensure_packages util-linux
MICRO=$(cognate_micro_binary)

pin=()
[[ -n "${COGNATE_SERVER_CPUS:-}" ]] && pin=(taskset -c "$COGNATE_SERVER_CPUS")
min_time=$(cognate_micro_min_time "$MICRO" "${COGNATE_MICRO_MIN_TIME:-0.2}")

echo "[bench] micro: cognate-micro${COGNATE_SERVER_CPUS:+ on core(s) $COGNATE_SERVER_CPUS}" >&2
"${pin[@]}" "$MICRO" --benchmark_min_time="$min_time" --benchmark_filter="${COGNATE_MICRO_FILTER:-.}" \
  --benchmark_format=json --benchmark_out="$RESULTS/micro.json" --benchmark_out_format=json >/dev/null
