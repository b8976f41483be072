// The writes of one bulk import to one column family, handed to a WriteBatch in key order with
// only the last write of each key.
//
// The memtable's skip list resumes each insert from where the previous one ended, so keys that
// follow each other go in far faster than scattered ones: a replay's rows, claims and stream keys
// arrive in log order, which is scattered. A key written several times in one batch ends as its
// last write anyway (the store uses no merge operator), so the earlier ones are dropped.
#pragma once

#include <rocksdb/status.h>

#include <string>
#include <vector>

namespace rocksdb {
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace cognate::storage {

class SortedWrites {
 public:
  explicit SortedWrites(rocksdb::ColumnFamilyHandle* family) : family_(family) {}

  // `value` is borrowed: it must outlive AddTo.
  void Put(std::string key, const std::string& value) {
    writes_.push_back({std::move(key), {}, &value, false});
  }
  void PutCopy(std::string key, std::string value) {
    writes_.push_back({std::move(key), std::move(value), nullptr, false});
  }
  void Delete(std::string key) { writes_.push_back({std::move(key), {}, nullptr, true}); }

  // Adds the last write of each key to `batch`, in key order; the first failure is returned.
  rocksdb::Status AddTo(rocksdb::WriteBatch& batch);

 private:
  struct Write {
    std::string key;
    std::string owned;            // the value when not borrowed
    const std::string* borrowed;  // the value when set
    bool deletes;
    const std::string& value() const { return borrowed != nullptr ? *borrowed : owned; }
  };

  rocksdb::ColumnFamilyHandle* family_;
  std::vector<Write> writes_;  // in the order given
};

}  // namespace cognate::storage
