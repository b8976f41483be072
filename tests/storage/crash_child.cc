// storage_crash_child: the process durability_test.cc kills. It appends from several threads
// until killed (or until its time limit) and prints every acknowledged append, after Append has
// returned, as one line "ack <stream> <version> <sequence>" written with a single write(2).
//
// Usage: storage_crash_child DB_DIR THREADS SECONDS
// Each append to stream "s<t>" at version v carries: one event with payload "s<t>#<v>", the row
// ("last", "s<t>") = payload, the row ("log", "s<t>/<v>") = payload, and the claim
// "c/s<t>/<v>" owned by "s<t>". It continues each stream from its current version, so the test
// can run it again on the same directory after a crash.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "storage/rocks_event_store.h"

namespace {

using cognate::AppendRequest;
using cognate::NewEvent;
using cognate::Result;
using cognate::storage::RocksEventStore;

void WriteLine(const std::string& line) {
  // One write per line: shorter than PIPE_BUF, so lines from threads never interleave.
  const std::string text = line + "\n";
  if (write(STDOUT_FILENO, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    std::_Exit(3);
  }
}

AppendRequest MakeRequest(const std::string& stream, uint64_t version) {
  const std::string payload = stream + "#" + std::to_string(version);
  AppendRequest request;
  request.stream = stream;
  request.expected_version = version - 1;
  NewEvent event;
  event.type = "test.appended";
  event.occurred_at_ms = static_cast<int64_t>(version);
  event.actor = stream;
  event.payload = payload;
  request.events.push_back(std::move(event));
  request.rows.push_back({"last", stream, payload});
  request.rows.push_back({"log", stream + "/" + std::to_string(version), payload});
  request.claims.push_back({"c/" + stream + "/" + std::to_string(version), stream});
  return request;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s DB_DIR THREADS SECONDS\n", argv[0]);
    return 2;
  }
  // Never outlive the test that started us.
  prctl(PR_SET_PDEATHSIG, SIGKILL);

  cognate::storage::RocksOptions options;
  options.path = argv[1];
  const int threads = std::atoi(argv[2]);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(std::atoi(argv[3]));
  Result<std::unique_ptr<RocksEventStore>> opened = RocksEventStore::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  RocksEventStore& store = **opened;
  WriteLine("ready");

  std::atomic<bool> failed{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      // Built with append: GCC 12 at -O3 misreports `"s" + std::to_string(t)` (-Wrestrict).
      const std::string stream = std::string("s").append(std::to_string(t));
      Result<uint64_t> current = store.StreamVersion(stream);
      if (!current.ok()) {
        failed = true;
        return;
      }
      for (uint64_t version = *current + 1; std::chrono::steady_clock::now() < deadline;
           ++version) {
        Result<cognate::AppendResult> result = store.Append(MakeRequest(stream, version));
        if (!result.ok()) {
          std::fprintf(stderr, "append: %s\n", result.status().ToString().c_str());
          failed = true;
          return;
        }
        WriteLine("ack " + stream + " " + std::to_string(result->stream_version) + " " +
                  std::to_string(result->first_sequence));
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  return failed ? 1 : 0;
}
