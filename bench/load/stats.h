// What a cognate-load run measured, and its two renderings: one human line and one JSON object.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cognate::bench {

// Raw counts of the measured window (warm-up excluded), merged over all connections.
struct RunCounts {
  std::string op;
  int connections = 0;
  double warmup_s = 0;
  double duration_s = 0;
  // Exchanges (one request each, two for srp-sign-in) that ended in the window: those whose last
  // response was received + those cut short by a write/read failure.
  uint64_t requests = 0;
  uint64_t errors = 0;            // non-200 responses + rejected exchanges + transport failures
  uint64_t transport_errors = 0;  // failed connects, writes, reads and timeouts
  uint64_t reconnects = 0;        // connects beyond the first per connection, whole run
  std::vector<int64_t> latencies_ns;  // one per exchange whose last response came (any status)
  std::vector<std::string> error_samples;  // distinct, first few
};

struct Summary {
  std::string op;
  int connections = 0;
  double warmup_s = 0;
  double duration_s = 0;
  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t transport_errors = 0;
  uint64_t reconnects = 0;
  double rps = 0;  // requests / duration_s
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
  std::vector<std::string> error_samples;
};

// Nearest-rank percentile (0 < p <= 1) of sorted nanosecond samples, in milliseconds; 0 if none.
double PercentileMs(const std::vector<int64_t>& sorted_ns, double p);

// Sorts the samples and computes the percentiles.
Summary Summarize(RunCounts counts);

// "get-user  c=16 5.0s  12345 req  0 err  2469.0 req/s  p50 ... ms" on one line.
std::string HumanLine(const Summary& summary);

// {op, connections, duration_s, requests, errors, rps, p50_ms, p90_ms, p99_ms, p999_ms, max_ms,
//  error_samples, warmup_s, transport_errors, reconnects}.
nlohmann::ordered_json ToJson(const Summary& summary);

}  // namespace cognate::bench
