// `cognate verify`, `replay` and `audit` on data directories written here: a log an older build
// wrote (schema version 1 events, no sealed fields) replays and reads upcast; an altered, removed
// or reordered event is reported by verify with its sequence number.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "api/log_commands.h"
#include "engine/audit/event_reader.h"
#include "engine/audit/projector.h"
#include "storage/rocks_event_store.h"

namespace cognate::api {
namespace {

namespace fs = std::filesystem;

class LogCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("cognate-log-commands-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "master.key", std::ios::binary) << std::string(32, 'k');
    storage::RocksOptions options;
    options.path = (dir_ / "store").string();
    auto store = storage::RocksEventStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  // Appends one event with the rows and claims the projector computes for it, as the build that
  // wrote it would have.
  void AppendAsWritten(const std::string& stream, const std::string& type, int schema_version,
                       const nlohmann::json& data) {
    auto version = store_->StreamVersion(stream);
    ASSERT_TRUE(version.ok());
    StoredEvent stored;
    stored.sequence = store_->LastSequence() + 1;
    stored.stream = stream;
    stored.stream_version = *version + 1;
    stored.type = type;
    stored.schema_version = schema_version;
    stored.occurred_at_ms = 1'700'000'000'000 + static_cast<int64_t>(stored.sequence) * 1000;
    stored.actor = "user:s1";
    stored.payload = data.dump();
    auto decoded = audit::DecodeEvent(stored, {});
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    auto writes = audit::ProjectStoredEvent(stored, decoded->event, [&](const std::string& t, const std::string& k) {
      return store_->Get(t, k);
    });
    ASSERT_TRUE(writes.ok()) << writes.status().ToString();
    AppendRequest request;
    request.stream = stream;
    request.expected_version = *version;
    request.events.push_back(NewEvent{type, schema_version, stored.occurred_at_ms, stored.actor, stored.payload});
    request.rows = std::move(writes->rows);
    request.claims = std::move(writes->claims);
    request.releases = std::move(writes->releases);
    auto appended = store_->Append(std::move(request));
    ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  }

  // A user who signed up and signed in, written by a build from before sealing and schema 2.
  void WriteAnOlderBuildsLog() {
    AppendAsWritten("user/p1/s1", "user.signed_up", 1,
                    {{"pool_id", "p1"},
                     {"sub", "s1"},
                     {"username", "jane"},
                     {"status", "CONFIRMED"},
                     {"attributes", {{"email", "jane@example.com"}, {"sub", "s1"}}},
                     {"login_keys", {"u/p1/jane"}},
                     {"client_id", "c1"}});
    AppendAsWritten("user/p1/s1", "user.signed_in", 1,
                    {{"client_id", "c1"},
                     {"flow", "USER_PASSWORD_AUTH"},
                     {"origin_jti", "o1"},
                     {"refresh_hash", "ab"},
                     {"refresh_expires_at_ms", 1},
                     {"auth_time", 1},
                     {"source_ip", "198.51.100.4"}});
    AppendAsWritten("user/p1/s1", "user.attributes.updated", 1,
                    {{"attributes", {{"email", "jane@example.com"}, {"name", "Jane"}, {"sub", "s1"}}},
                     {"login_keys", {"u/p1/jane"}}});
  }

  int Run(int (*command)(const std::vector<std::string>&), std::vector<std::string> args, std::string* out) {
    args.insert(args.begin(), {"--data", dir_.string()});
    ::testing::internal::CaptureStdout();
    const int code = command(args);
    *out = ::testing::internal::GetCapturedStdout();
    return code;
  }

  // Rewrites the stored value of event `sequence` with `edit` applied, behind the store's back.
  void EditRawEvent(uint64_t sequence, const std::function<void(rocksdb::DB&, rocksdb::ColumnFamilyHandle*, std::string&)>& edit) {
    store_.reset();
    std::vector<std::string> names;
    ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), (dir_ / "store").string(), &names).ok());
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const auto& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), (dir_ / "store").string(), families, &handles, &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::ColumnFamilyHandle* events = nullptr;
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == "events") events = handles[i];
    }
    ASSERT_NE(events, nullptr);
    std::string key(8, '\0');
    for (int i = 0; i < 8; ++i) key[7 - i] = static_cast<char>((sequence >> (8 * i)) & 0xff);
    std::string value;
    ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), events, key, &value).ok());
    edit(*db, events, value);
    for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  }

  fs::path dir_;
  std::unique_ptr<storage::RocksEventStore> store_;
};

TEST_F(LogCommandsTest, AnOlderBuildsLogVerifiesReplaysAndReadsUpcast) {
  WriteAnOlderBuildsLog();
  std::string out;
  EXPECT_EQ(Run(RunVerifyCommand, {}, &out), 0) << out;
  EXPECT_NE(out.find("OK: 3 events verified"), std::string::npos) << out;

  EXPECT_EQ(Run(RunReplayCommand, {}, &out), 0) << out;
  EXPECT_NE(out.find("replayed 3 events"), std::string::npos) << out;
  EXPECT_NE(out.find("OK: the read models rebuilt from the log equal the live ones as of #3"), std::string::npos) << out;

  EXPECT_EQ(Run(RunAuditCommand, {"--type", "user.signed_in", "--format", "jsonl"}, &out), 0);
  const auto line = nlohmann::json::parse(out);
  EXPECT_EQ(line["schema_version"], 2) << "read at the current schema";
  EXPECT_EQ(line["data"]["$ip"], "198.51.100.4");
  EXPECT_FALSE(line["data"].contains("source_ip"));

  EXPECT_EQ(Run(RunAuditCommand, {"--pool", "p1", "--user", "jane@example.com", "--ip", "198.51.100.4", "--format", "jsonl"}, &out), 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
}

TEST_F(LogCommandsTest, AsOfShowsTheUserBeforeAndAfterAnAttributeChange) {
  WriteAnOlderBuildsLog();  // events at 1700000001000, ...2000, ...3000 (ms)
  std::string out;
  ASSERT_EQ(Run(RunAuditCommand, {"--as-of", "2023-11-14T22:13:22.500Z", "--pool", "p1", "--user", "jane", "--format", "jsonl"}, &out), 0);
  auto before = nlohmann::json::parse(out);
  EXPECT_TRUE(before["exists"].get<bool>());
  EXPECT_FALSE(before["attributes"].contains("name"));
  ASSERT_EQ(Run(RunAuditCommand, {"--as-of", "2023-11-14T22:13:23Z", "--pool", "p1", "--user", "s1", "--format", "jsonl"}, &out), 0);
  EXPECT_EQ(nlohmann::json::parse(out)["attributes"]["name"], "Jane");
  ASSERT_EQ(Run(RunAuditCommand, {"--as-of", "2023-11-14T22:13:20Z", "--pool", "p1", "--user", "jane", "--format", "jsonl"}, &out), 0);
  EXPECT_FALSE(nlohmann::json::parse(out)["exists"].get<bool>());
}

TEST_F(LogCommandsTest, VerifyReportsAnAlteredEventBySequence) {
  WriteAnOlderBuildsLog();
  EditRawEvent(2, [](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* events, std::string& value) {
    const size_t at = value.find("198.51.100.4");
    ASSERT_NE(at, std::string::npos);
    value[at] = '2';  // the address is now 298.51.100.4; the length is unchanged
    std::string key(8, '\0');
    key[7] = 2;
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), events, key, value).ok());
  });
  std::string out;
  EXPECT_EQ(Run(RunVerifyCommand, {}, &out), 1) << out;
  EXPECT_NE(out.find("#2: hash does not match the event's content"), std::string::npos) << out;
  EXPECT_NE(out.find("FAILED"), std::string::npos) << out;
}

TEST_F(LogCommandsTest, VerifyReportsARemovedEventBySequence) {
  WriteAnOlderBuildsLog();
  EditRawEvent(2, [](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* events, std::string&) {
    std::string key(8, '\0');
    key[7] = 2;
    ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), events, key).ok());
  });
  std::string out;
  EXPECT_EQ(Run(RunVerifyCommand, {}, &out), 1) << out;
  EXPECT_NE(out.find("#3: sequence gap"), std::string::npos) << out;
}

TEST_F(LogCommandsTest, VerifyReportsSwappedEvents) {
  WriteAnOlderBuildsLog();
  std::string second;
  EditRawEvent(2, [&](rocksdb::DB&, rocksdb::ColumnFamilyHandle*, std::string& value) { second = value; });
  EditRawEvent(3, [&](rocksdb::DB& db, rocksdb::ColumnFamilyHandle* events, std::string& third) {
    std::string key2(8, '\0'), key3(8, '\0');
    key2[7] = 2;
    key3[7] = 3;
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), events, key2, third).ok());
    ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), events, key3, second).ok());
  });
  std::string out;
  EXPECT_EQ(Run(RunVerifyCommand, {}, &out), 1) << out;
  EXPECT_NE(out.find("#2:"), std::string::npos) << out;
}

TEST_F(LogCommandsTest, ReplayNamesTheFirstDifferenceWhenAReadModelWasChangedBehindTheLog) {
  WriteAnOlderBuildsLog();
  // A row the log does not explain.
  AppendRequest stray;
  stray.stream = "refused/p1";
  stray.expected_version = kAnyStreamVersion;
  stray.events.push_back(NewEvent{"request.refused", 1, 1, "anonymous", R"({"operation":"SignUp","error":"X","message":"m"})"});
  stray.rows.push_back(RowWrite{"users_v1", "p1/ghost", std::string("{}")});
  ASSERT_TRUE(store_->Append(std::move(stray)).ok());
  std::string out;
  EXPECT_EQ(Run(RunReplayCommand, {}, &out), 1) << out;
  EXPECT_NE(out.find("first difference: table users_v1, row p1/ghost: only in the live read models"), std::string::npos) << out;
}

}  // namespace
}  // namespace cognate::api
