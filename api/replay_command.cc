// `cognate replay --data DIR [--into NEWDIR]`: rebuilds every read model from the log alone, into
// a fresh store, and compares it with the live read models by digest. The live side is read as
// of one point (the follower's view when the command starts) and the log is replayed up to
// exactly that point, so the comparison holds while the server keeps writing.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>

#include "api/log_access.h"
#include "api/log_commands.h"
#include "api/log_replay.h"
#include "engine/audit/projector.h"

namespace cognate::api {
namespace {

const char kReplayUsage[] = "usage: cognate replay [--data DIR] [--into NEWDIR]\n";

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Progress on a terminal: events done, rate and time left, redrawn in place twice a second.
class Progress {
 public:
  explicit Progress(uint64_t total) : total_(total), enabled_(::isatty(STDERR_FILENO) != 0) {}

  void Update(uint64_t done) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(500) && done != total_) return;
    last_draw_ = now;
    const double elapsed = SecondsSince(start_);
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    const double left = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
    std::fprintf(stderr, "\r%llu / %llu events  %.0f events/s  %.0f s left   ",
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), rate, std::ceil(left));
    std::fflush(stderr);
  }
  void Finish() {
    if (enabled_) std::fprintf(stderr, "\n");
  }

 private:
  const uint64_t total_;
  const bool enabled_;
  const Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_{};
};

// Names the first read-model entry where the live store and the rebuilt one differ: tables in
// order, each in key order, then the claims the replay touched.
Result<std::string> FirstRowDifference(EventStore& live, EventStore& rebuilt, const std::set<std::string>& claims) {
  for (const std::string& table : audit::ReadModelTables()) {
    std::string after;
    for (;;) {
      auto a = live.Scan(table, "", after, 1024);
      if (!a.ok()) return a.status();
      auto b = rebuilt.Scan(table, "", after, 1024);
      if (!b.ok()) return b.status();
      const size_t n = std::min(a->size(), b->size());
      for (size_t i = 0; i < n; ++i) {
        if ((*a)[i].key != (*b)[i].key) {
          const std::string& first = std::min((*a)[i].key, (*b)[i].key);
          return "table " + table + ", row " + first + ": only in the " + (first == (*a)[i].key ? "live" : "rebuilt") +
                 " read models";
        }
        if ((*a)[i].value != (*b)[i].value) {
          return "table " + table + ", row " + (*a)[i].key + ": live " + (*a)[i].value + " / rebuilt " + (*b)[i].value;
        }
      }
      if (a->size() != b->size()) {
        const bool live_longer = a->size() > b->size();
        const Row& extra = live_longer ? (*a)[n] : (*b)[n];
        return "table " + table + ", row " + extra.key + ": only in the " + (live_longer ? "live" : "rebuilt") +
               " read models";
      }
      if (a->empty()) break;
      after = a->back().key;
    }
  }
  for (const std::string& key : claims) {
    auto a = live.ClaimOwner(key);
    if (!a.ok()) return a.status();
    auto b = rebuilt.ClaimOwner(key);
    if (!b.ok()) return b.status();
    if (*a != *b) return "claim " + key + ": live owner " + a->value_or("(none)") + " / rebuilt " + b->value_or("(none)");
  }
  return std::string("a claim the replay never touched (held in the live store only)");
}

}  // namespace

int RunReplayCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"data", "into"});
  if (!flags.ok()) {
    std::cerr << "cognate replay: " << flags.status().message() << "\n" << kReplayUsage;
    return 2;
  }
  const std::string data = flags->count("data") ? flags->at("data") : "./data";
  auto access = LogAccess::Open(data);
  if (!access.ok()) {
    std::cerr << "cognate replay: " << access.status().ToString() << "\n";
    return 1;
  }
  if (!(*access)->cipher()) {
    std::cerr << "cognate replay: " << data << " has no master key; personal fields cannot be read\n";
    return 1;
  }
  storage::RocksEventStore& source = (*access)->store();
  // The point of comparison: the rows the follower sees reflect exactly this prefix of the log.
  const uint64_t last = source.LastSequence();
  auto live_digest = source.ReadModelDigest();
  if (!live_digest.ok()) {
    std::cerr << "cognate replay: " << live_digest.status().ToString() << "\n";
    return 1;
  }

  std::string into = flags->count("into") ? flags->at("into") : "";
  const bool keep = !into.empty();
  std::error_code ec;
  if (!keep) {
    into = (std::filesystem::temp_directory_path(ec) / "cognate-replay-XXXXXX").string();
    if (::mkdtemp(into.data()) == nullptr) {
      std::cerr << "cognate replay: cannot make a scratch directory\n";
      return 1;
    }
  } else if (std::filesystem::exists(into + "/store", ec)) {
    std::cerr << "cognate replay: " << into << "/store already exists; replay builds a fresh store\n";
    return 2;
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ignored;
      if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{keep ? "" : into};

  storage::RocksOptions target_options;
  target_options.path = into + "/store";
  target_options.sync = false;  // made durable once, at the end
  auto target = storage::RocksEventStore::Open(target_options);
  if (!target.ok()) {
    std::cerr << "cognate replay: cannot create " << target_options.path << ": " << target.status().ToString() << "\n";
    return 1;
  }

  Progress progress(last);
  const auto started = Clock::now();
  auto replayed = ReplayLog(source, last, (*access)->keys(), **target, [&](uint64_t done) { progress.Update(done); });
  progress.Finish();
  if (!replayed.ok()) {
    std::cerr << "cognate replay: " << replayed.status().message() << "\n";
    return 1;
  }
  const uint64_t done = replayed->events;
  if (Status synced = (*target)->Sync(); !synced.ok()) {
    std::cerr << "cognate replay: " << synced.ToString() << "\n";
    return 1;
  }
  const double seconds = SecondsSince(started);
  auto rebuilt_digest = (*target)->ReadModelDigest();
  if (!rebuilt_digest.ok()) {
    std::cerr << "cognate replay: " << rebuilt_digest.status().ToString() << "\n";
    return 1;
  }
  std::cout << "replayed " << done << " events in " << seconds << " s ("
            << static_cast<uint64_t>(seconds > 0 ? static_cast<double>(done) / seconds : 0) << " events/s)\n";
  if (*rebuilt_digest == *live_digest) {
    std::cout << "OK: the read models rebuilt from the log equal the live ones as of #" << last << " (digest "
              << *live_digest << ")\n";
    if (keep) std::cout << "the rebuilt store is in " << into << "/store\n";
    return 0;
  }
  std::cout << "DIFFERENT: rebuilt digest " << *rebuilt_digest << ", live digest " << *live_digest << " as of #"
            << last << "\n";
  auto difference = FirstRowDifference(source, **target, replayed->touched_claims);
  if (!difference.ok()) {
    std::cerr << "cognate replay: looking for the first difference: " << difference.status().ToString() << "\n";
  } else {
    std::cout << "first difference: " << *difference << "\n";
  }
  return 1;
}

}  // namespace cognate::api
