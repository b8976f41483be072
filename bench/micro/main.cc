// cognate-micro: the Google Benchmark suite of bench/micro/ in one executable (see bench/README.md).
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
