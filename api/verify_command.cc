// `cognate verify --data DIR`: walks the whole log from one consistent view and reports every
// gap, broken link of the hash chain, altered or undecodable event, and disagreement between the
// log and its stream index, each with its sequence number.
#include <chrono>
#include <iostream>

#include "api/log_access.h"
#include "api/log_commands.h"
#include "engine/audit/event_reader.h"
#include "engine/crypto/encoding.h"

namespace cognate::api {
namespace {

const char kVerifyUsage[] = "usage: cognate verify [--data DIR]\n";

}  // namespace

int RunVerifyCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"data"});
  if (!flags.ok()) {
    std::cerr << "cognate verify: " << flags.status().message() << "\n" << kVerifyUsage;
    return 2;
  }
  const std::string data = flags->count("data") ? flags->at("data") : "./data";
  auto access = LogAccess::Open(data);
  if (!access.ok()) {
    std::cerr << "cognate verify: " << access.status().ToString() << "\n";
    return 1;
  }
  storage::RocksEventStore& store = (*access)->store();
  const auto started = std::chrono::steady_clock::now();
  size_t problems = 0;
  Status chain = store.VerifyChain([&](uint64_t sequence, const std::string& problem) {
    ++problems;
    if (sequence) {
      std::cout << '#' << sequence;
    } else {
      std::cout << "store";
    }
    std::cout << ": " << problem << "\n";
  });
  if (!chain.ok() && chain.code() != StatusCode::kDataLoss) {
    std::cerr << "cognate verify: " << chain.ToString() << "\n";
    return 1;
  }

  // Every event decodes: its payload, its sealed personal fields (where the key lives) and its
  // schema version.
  const audit::KeyLookup keys = (*access)->keys();
  uint64_t events = 0;
  Status read = audit::ForEachBatch(store, store.LastSequence(), 4096, [&](std::vector<StoredEvent>& batch) {
    for (const StoredEvent& stored : batch) {
      ++events;
      auto decoded = audit::DecodeEvent(stored, keys);
      if (!decoded.ok()) {
        ++problems;
        std::cout << "#" << stored.sequence << ": " << decoded.status().message() << "\n";
      }
    }
    return Status::Ok();
  });
  if (!read.ok()) {
    ++problems;
    std::cout << "store: cannot read the log: " << read.message() << "\n";
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (problems) {
    std::cout << "FAILED: " << problems << " problem(s) in " << events << " events\n";
    return 1;
  }
  std::cout << "OK: " << events << " events verified in " << seconds << " s; the hash chain is intact";
  if (!(*access)->cipher()) std::cout << " (no master key: sealed fields not checked)";
  std::cout << "\n";
  return 0;
}

}  // namespace cognate::api
