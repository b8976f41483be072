#include "tests/support/log_checks.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "engine/audit/event_catalog.h"
#include "engine/audit/event_reader.h"
#include "engine/audit/projector.h"
#include "engine/projection.h"
#include "engine/trigger/trigger_events.h"

namespace cognate::testing {
namespace {

std::vector<StoredEvent> WholeLog(InMemoryEventStore& store) {
  auto events = store.ReadAll(1, SIZE_MAX);
  EXPECT_TRUE(events.ok()) << events.status().ToString();
  return events.ok() ? std::move(events).value() : std::vector<StoredEvent>();
}

}  // namespace

void ExpectEventsMatchCatalogue(InMemoryEventStore& store, std::string_view master_key) {
  const audit::PersonalDataCipher cipher(master_key);
  audit::VaultKeys vault(store, cipher);
  for (const StoredEvent& stored : WholeLog(store)) {
    const audit::EventDoc* doc = audit::FindEventDoc(stored.type);
    if (!doc) {
      ADD_FAILURE() << "#" << stored.sequence << " " << stored.type << " is not in the event catalogue";
      continue;
    }
    auto raw = nlohmann::json::parse(stored.payload, nullptr, false);
    ASSERT_TRUE(raw.is_object()) << "#" << stored.sequence;
    for (const auto& [name, value] : raw.items()) {
      EXPECT_FALSE(audit::IsPersonalField(stored.type, name) && stored.stream.rfind("user/", 0) == 0)
          << "#" << stored.sequence << " " << stored.type << " holds personal field " << name << " in plain text";
    }
    auto decoded = audit::DecodeEvent(stored, vault.AsLookup());
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    for (const auto& [name, value] : decoded->event.data.items()) {
      bool known = false;
      for (const auto& f : doc->fields) known = known || f.name == name;
      for (const auto& f : audit::ContextFields()) known = known || f.name == name;
      EXPECT_TRUE(known) << "#" << stored.sequence << " " << stored.type << " has field '" << name
                         << "', which the event catalogue does not declare";
    }
  }
}

namespace {

// What a replay rebuilt: every row and claim, and the claim keys any event touched.
struct Rebuilt {
  std::map<std::pair<std::string, std::string>, std::string> rows;
  std::map<std::string, std::string> claims;
  std::set<std::string> claim_keys_touched;

  void Apply(const ProjectionWrites& writes) {
    for (const auto& key : writes.releases) {
      claims.erase(key);
      claim_keys_touched.insert(key);
    }
    for (const auto& claim : writes.claims) {
      claims[claim.key] = claim.owner;
      claim_keys_touched.insert(claim.key);
    }
    for (const auto& row : writes.rows) ApplyRow(row);
  }
  void ApplyRow(const RowWrite& row) {
    if (row.value) {
      rows[{row.table, row.key}] = *row.value;
    } else {
      rows.erase({row.table, row.key});
    }
  }
  Result<std::optional<std::string>> Read(const std::string& table, const std::string& key) const {
    auto it = rows.find({table, key});
    if (it == rows.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
};

// Replays the log. batch_events 0: one event at a time with audit::ProjectStoredEvent, as the
// checks always did. Otherwise with audit::LogProjector as `cognate replay` uses it: user rows
// taken after every batch_events events, and the kept users forgotten after every other batch,
// so that users are met both in memory and read back from their rows.
void Replay(InMemoryEventStore& store, std::string_view master_key, size_t batch_events, Rebuilt& rebuilt) {
  const audit::PersonalDataCipher cipher(master_key);
  audit::VaultKeys vault(store, cipher);
  const audit::RowReader reader = [&](const std::string& table, const std::string& key) {
    return rebuilt.Read(table, key);
  };
  audit::LogProjector projector(reader);
  size_t in_batch = 0;
  size_t batches = 0;
  auto end_batch = [&] {
    for (const RowWrite& row : projector.TakeUserRows()) rebuilt.ApplyRow(row);
    if (++batches % 2 == 0) projector.TrimUsers(0);
    in_batch = 0;
  };
  for (const StoredEvent& stored : WholeLog(store)) {
    auto decoded = audit::DecodeEvent(stored, vault.AsLookup());
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    auto writes = batch_events == 0 ? audit::ProjectStoredEvent(stored, decoded->event, reader)
                                    : projector.Project(stored, decoded->event);
    ASSERT_TRUE(writes.ok()) << writes.status().ToString();
    rebuilt.Apply(*writes);
    if (batch_events > 0 && ++in_batch == batch_events) end_batch();
  }
  if (batch_events > 0) end_batch();
}

void ExpectRebuilt(InMemoryEventStore& store, const Rebuilt& rebuilt, const std::string& how) {
  for (const std::string& table : audit::ReadModelTables()) {
    auto live = store.Scan(table, "", "", SIZE_MAX);
    ASSERT_TRUE(live.ok());
    std::map<std::string, std::string> live_rows, replayed_rows;
    for (const Row& row : *live) live_rows[row.key] = row.value;
    for (const auto& [key, value] : rebuilt.rows) {
      if (key.first == table) replayed_rows[key.second] = value;
    }
    EXPECT_EQ(live_rows, replayed_rows) << how << " rebuilt table " << table << " differently";
  }
  for (const std::string& key : rebuilt.claim_keys_touched) {
    auto live = store.ClaimOwner(key);
    ASSERT_TRUE(live.ok());
    auto it = rebuilt.claims.find(key);
    const std::optional<std::string> replayed = it == rebuilt.claims.end() ? std::nullopt : std::optional<std::string>(it->second);
    EXPECT_EQ(*live, replayed) << how << " rebuilt claim " << key << " differently";
  }
}

}  // namespace

void ExpectReplayRebuildsReadModels(InMemoryEventStore& store, std::string_view master_key) {
  for (const size_t batch_events : {size_t{0}, size_t{1}, size_t{3}, SIZE_MAX}) {
    Rebuilt rebuilt;
    Replay(store, master_key, batch_events, rebuilt);
    const std::string how = batch_events == 0          ? "replay event by event"
                            : batch_events == SIZE_MAX ? "replay in one batch"
                                                       : "replay in batches of " + std::to_string(batch_events);
    ExpectRebuilt(store, rebuilt, how);
  }
}

}  // namespace cognate::testing
