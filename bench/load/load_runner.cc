#include "bench/load/load_runner.h"

#include <algorithm>
#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace cognate::bench {

namespace {

using Clock = std::chrono::steady_clock;

// The window every connection measures against; written before the start latch opens.
struct Window {
  Clock::time_point start;
  Clock::time_point measure_from;
  Clock::time_point end;
};

struct ConnectionCounts {
  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t transport_errors = 0;
  uint64_t connects = 0;
  std::vector<int64_t> latencies_ns;
  std::vector<std::string> error_samples;
};

std::string Truncate(std::string text, size_t limit) {
  if (text.size() > limit) {
    text.resize(limit);
    text += "...";
  }
  return text;
}

// Keeps the first `limit` distinct samples.
void AddSample(std::vector<std::string>& samples, std::string sample, size_t limit) {
  if (samples.size() >= limit) return;
  if (std::find(samples.begin(), samples.end(), sample) != samples.end()) return;
  samples.push_back(std::move(sample));
}

void RunConnection(int index, const Endpoint& endpoint, const Workload& workload,
                   const LoadOptions& options, std::latch& connected, std::latch& go,
                   const Window& window, ConnectionCounts& out) {
  HttpClient client(endpoint, options.request_timeout);
  // A failed first connect is retried in the loop (and counted there once measuring).
  client.Connect().IgnoreError();
  connected.count_down();
  go.wait();

  auto note_error = [&](std::string sample) {
    ++out.errors;
    AddSample(out.error_samples, Truncate(std::move(sample), 400), options.max_error_samples);
  };

  ExchangeState state;
  for (uint64_t sequence = 0;; ++sequence) {
    Clock::time_point now = Clock::now();
    if (now >= window.end) break;
    if (!client.connected()) {
      if (Status s = client.Connect(); !s.ok()) {
        if (Clock::now() >= window.measure_from) {
          ++out.transport_errors;
          note_error(s.message());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // no hot spin on refusal
        continue;
      }
    }
    // One exchange: Next's request, then follow-ups on this connection while each answer is 200
    // and the workload has another. `received` is when the last answer arrived.
    HttpRequest request = workload.Next(index, sequence, &state);
    const Clock::time_point sent = Clock::now();
    Result<HttpResponse> response = client.RoundTrip(request);
    Clock::time_point received = Clock::now();
    Status exchange = Status::Ok();
    for (int step = 0; response.ok() && response->status == 200 && received <= window.end;
         ++step) {
      Result<std::optional<HttpRequest>> follow_up =
          workload.FollowUp(index, sequence, step, *response, &state);
      if (!follow_up.ok()) {
        exchange = follow_up.status();
        break;
      }
      if (!follow_up->has_value()) break;
      response = client.RoundTrip(**follow_up);
      received = Clock::now();
    }
    if (received > window.end) break;
    if (received < window.measure_from) continue;

    ++out.requests;
    if (!response.ok()) {
      ++out.transport_errors;
      note_error(response.status().message());
      continue;
    }
    out.latencies_ns.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(received - sent).count());
    if (response->status != 200) {
      std::string sample = "HTTP ";
      sample += std::to_string(response->status);
      sample += " ";
      sample += response->body;
      note_error(std::move(sample));
    } else if (!exchange.ok()) {
      note_error(exchange.message());
    }
  }
  out.connects = client.connects();
}

}  // namespace

RunCounts RunLoad(const Endpoint& endpoint, const Workload& workload, const LoadOptions& options) {
  const size_t n = static_cast<size_t>(options.connections);
  std::vector<ConnectionCounts> per_connection(n);
  std::latch connected(static_cast<std::ptrdiff_t>(n));
  std::latch go(1);
  Window window;

  std::vector<std::thread> threads;
  threads.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back(RunConnection, static_cast<int>(i), std::cref(endpoint),
                         std::cref(workload), std::cref(options), std::ref(connected),
                         std::ref(go), std::cref(window), std::ref(per_connection[i]));
  }
  connected.wait();
  window.start = Clock::now();
  window.measure_from = window.start + options.warmup;
  window.end = window.measure_from + options.duration;
  go.count_down();
  for (std::thread& t : threads) t.join();

  RunCounts counts;
  counts.op = std::string(OpName(workload.op()));
  counts.connections = options.connections;
  counts.warmup_s = std::chrono::duration<double>(options.warmup).count();
  counts.duration_s = std::chrono::duration<double>(options.duration).count();
  for (ConnectionCounts& c : per_connection) {
    counts.requests += c.requests;
    counts.errors += c.errors;
    counts.transport_errors += c.transport_errors;
    counts.reconnects += c.connects > 1 ? c.connects - 1 : 0;
    counts.latencies_ns.insert(counts.latencies_ns.end(), c.latencies_ns.begin(),
                               c.latencies_ns.end());
    for (std::string& sample : c.error_samples) {
      AddSample(counts.error_samples, std::move(sample), options.max_error_samples);
    }
  }
  return counts;
}

}  // namespace cognate::bench
