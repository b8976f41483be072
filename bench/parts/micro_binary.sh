# shellcheck shell=bash
# Builds cognate-micro (Google Benchmark, bench/micro/) in $BUILD; sourced by the parts that run it.
#
#   source bench/parts/micro_binary.sh
#   MICRO=$(cognate_micro_binary)   # its path; fails if it cannot be built
#   cognate_micro_min_time 0.2      # "0.2s" for Google Benchmark 1.8, a bare "0.2" for 1.7
#
# Needs ROOT and BUILD (a configured CMake build directory), and scripts/lib/deps.sh sourced.

cognate_micro_binary() {
  cognate_ensure_packages libbenchmark-dev >&2
  # The target exists only if CMake found Google Benchmark: configure again if it came later.
  if ! cmake --build "$BUILD" --target help 2>/dev/null | grep cognate_micro >/dev/null; then
    cmake -S "$ROOT" -B "$BUILD" >/dev/null
  fi
  cmake --build "$BUILD" -j"$(nproc)" --target cognate_micro >/dev/null || return 1
  echo "$BUILD/bench/cognate-micro"
}

# Google Benchmark 1.8 takes --benchmark_min_time=0.2s; 1.7 (Debian 12) only a bare 0.2.
cognate_micro_min_time() {
  local micro=$1 seconds=$2
  if "$micro" --benchmark_list_tests --benchmark_min_time="${seconds}s" >/dev/null 2>&1; then
    echo "${seconds}s"
  else
    echo "$seconds"
  fi
}
