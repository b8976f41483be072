#include "bench/load/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace cognate::bench {

double PercentileMs(const std::vector<int64_t>& sorted_ns, double p) {
  if (sorted_ns.empty()) return 0;
  const double n = static_cast<double>(sorted_ns.size());
  size_t rank = static_cast<size_t>(std::ceil(p * n));
  rank = std::clamp<size_t>(rank, 1, sorted_ns.size());
  return static_cast<double>(sorted_ns[rank - 1]) / 1e6;
}

Summary Summarize(RunCounts counts) {
  std::sort(counts.latencies_ns.begin(), counts.latencies_ns.end());
  Summary s;
  s.op = std::move(counts.op);
  s.connections = counts.connections;
  s.warmup_s = counts.warmup_s;
  s.duration_s = counts.duration_s;
  s.requests = counts.requests;
  s.errors = counts.errors;
  s.transport_errors = counts.transport_errors;
  s.reconnects = counts.reconnects;
  s.rps = counts.duration_s > 0 ? static_cast<double>(counts.requests) / counts.duration_s : 0;
  s.p50_ms = PercentileMs(counts.latencies_ns, 0.50);
  s.p90_ms = PercentileMs(counts.latencies_ns, 0.90);
  s.p99_ms = PercentileMs(counts.latencies_ns, 0.99);
  s.p999_ms = PercentileMs(counts.latencies_ns, 0.999);
  s.max_ms = counts.latencies_ns.empty()
                 ? 0
                 : static_cast<double>(counts.latencies_ns.back()) / 1e6;
  s.error_samples = std::move(counts.error_samples);
  return s;
}

std::string HumanLine(const Summary& s) {
  char line[512];
  std::snprintf(line, sizeof line,
                "%-14s c=%-4d %.1fs  %llu req  %llu err  %.1f req/s  latency ms: p50 %.3f  "
                "p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f",
                s.op.c_str(), s.connections, s.duration_s,
                static_cast<unsigned long long>(s.requests),
                static_cast<unsigned long long>(s.errors), s.rps, s.p50_ms, s.p90_ms, s.p99_ms,
                s.p999_ms, s.max_ms);
  return line;
}

nlohmann::ordered_json ToJson(const Summary& s) {
  auto round3 = [](double v) { return std::round(v * 1000.0) / 1000.0; };
  return {
      {"op", s.op},
      {"connections", s.connections},
      {"duration_s", s.duration_s},
      {"requests", s.requests},
      {"errors", s.errors},
      {"rps", round3(s.rps)},
      {"p50_ms", round3(s.p50_ms)},
      {"p90_ms", round3(s.p90_ms)},
      {"p99_ms", round3(s.p99_ms)},
      {"p999_ms", round3(s.p999_ms)},
      {"max_ms", round3(s.max_ms)},
      {"error_samples", s.error_samples},
      {"warmup_s", s.warmup_s},
      {"transport_errors", s.transport_errors},
      {"reconnects", s.reconnects},
  };
}

}  // namespace cognate::bench
