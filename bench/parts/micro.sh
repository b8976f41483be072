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
cognate_ensure_packages libbenchmark-dev util-linux

# cognate_micro exists only if CMake found Google Benchmark: configure again if it came later.
if ! cmake --build "$BUILD" --target help 2>/dev/null | grep -q cognate_micro; then
  cmake -S . -B "$BUILD" >/dev/null
fi
cmake --build "$BUILD" -j"$(nproc)" --target cognate_micro >/dev/null
MICRO=$BUILD/bench/cognate-micro

pin=()
[[ -n "${COGNATE_SERVER_CPUS:-}" ]] && pin=(taskset -c "$COGNATE_SERVER_CPUS")

# Google Benchmark 1.8 takes --benchmark_min_time=0.2s; 1.7 (Debian 12) only a bare 0.2.
min_time=${COGNATE_MICRO_MIN_TIME:-0.2}
if "$MICRO" --benchmark_list_tests --benchmark_min_time="${min_time}s" >/dev/null 2>&1; then
  min_time="${min_time}s"
fi

echo "[bench] micro: cognate-micro${COGNATE_SERVER_CPUS:+ on core(s) $COGNATE_SERVER_CPUS}" >&2
"${pin[@]}" "$MICRO" --benchmark_min_time="$min_time" --benchmark_filter="${COGNATE_MICRO_FILTER:-.}" \
  --benchmark_format=json --benchmark_out="$RESULTS/micro.json" --benchmark_out_format=json >/dev/null
