// The closed loop: N connections, all driven by the calling thread's event loop, each starting its
// next exchange as soon as the previous one has ended, from a common start until warm-up +
// duration have passed.
//
// An exchange is one measured operation: Workload::Next's request, then, while each answer is 200,
// the requests Workload::FollowUp derives from it, all on the same connection (srp-sign-in is
// InitiateAuth then RespondToAuthChallenge; every other op is one request). It counts (as one
// request, one latency sample) when its last response arrives inside the measured window
// [start + warmup, start + warmup + duration]: exchanges completing during warm-up are not
// recorded, and exchanges still in flight at the end are not counted (their connection stops
// there). The latency is taken (steady_clock) from writing the first request to reading the last
// response; it excludes building/signing the first request, reconnecting, and checking the last
// answer, but for multi-step ops it includes everything between the steps: the client's own
// computation (for srp-sign-in, the SRP session key and claim signature) and building the
// follow-up request. A non-200 answer at any step, or an exchange FollowUp rejects (e.g. a final
// answer without AuthenticationResult), is an error with a latency; a failed write/read is an
// error without one; a failed connect is an error but no request (the connection retries every
// 10 ms). Deadlines are checked every 50 ms.
//
// Thread safety: RunLoad may be called from any thread; it owns its connections and gives each its
// own ExchangeState. Everything the workload computes (signatures, the SRP client's math) runs on
// that one thread, between the connections' reads and writes.
#pragma once

#include <chrono>

#include "bench/load/http_client.h"
#include "bench/load/stats.h"
#include "bench/load/workload.h"

namespace cognate::bench {

struct LoadOptions {
  // Concurrent connections. Default 16.
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

// Runs the loop and returns the merged counts. Returns once warmup + duration have passed (plus
// the time to connect first); exchanges in flight then are dropped, uncounted.
RunCounts RunLoad(const Endpoint& endpoint, const Workload& workload, const LoadOptions& options);

}  // namespace cognate::bench
