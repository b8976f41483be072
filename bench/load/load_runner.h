// The closed loop: N connections, one thread each, each sending its next request as soon as the
// previous response has arrived, from a common start until warm-up + duration have passed.
//
// A request counts when its response arrives inside the measured window [start + warmup,
// start + warmup + duration]: requests completing during warm-up are not recorded, and requests
// still in flight at the end are not counted (their connection stops there). The latency is taken
// around the write and the read (steady_clock), excluding building/signing the request and
// reconnecting. A non-200 answer is an error with a latency; a failed write/read is an error
// without one; a failed connect is an error but no request (the connection retries every 10 ms).
//
// Thread safety: RunLoad may be called from any thread; it owns its connections.
#pragma once

#include <chrono>

#include "bench/load/http_client.h"
#include "bench/load/stats.h"
#include "bench/load/workload.h"

namespace cognate::bench {

struct LoadOptions {
  // Concurrent connections (and threads). Default 16.
  int connections = 16;
  // Unrecorded period before the measured window. Default 1 s.
  std::chrono::nanoseconds warmup = std::chrono::seconds(1);
  // Length of the measured window. Default 10 s.
  std::chrono::nanoseconds duration = std::chrono::seconds(10);
  // Deadline of each connect, write and read. Default 10 s; it bounds how far a run can overrun.
  std::chrono::milliseconds request_timeout{10000};
  // Error bodies kept for the report. Default 5.
  size_t max_error_samples = 5;
};

// Runs the loop and returns the merged counts. Returns after warmup + duration, plus at most one
// request_timeout for requests in flight.
RunCounts RunLoad(const Endpoint& endpoint, const Workload& workload, const LoadOptions& options);

}  // namespace cognate::bench
