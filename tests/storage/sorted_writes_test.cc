// SortedWrites hands a batch each key once, in key order, as its last write: what a batch that
// applied every write in the order given would leave.
#include "storage/sorted_writes.h"

#include <gtest/gtest.h>
#include <rocksdb/write_batch.h>

#include <string>
#include <utility>
#include <vector>

namespace cognate::storage {
namespace {

// The batch's writes in order: "key=value" for a put, "key deleted" for a delete.
class Recorder : public rocksdb::WriteBatch::Handler {
 public:
  std::vector<std::string> writes;
  void Put(const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    writes.push_back(key.ToString() + "=" + value.ToString());
  }
  void Delete(const rocksdb::Slice& key) override { writes.push_back(key.ToString() + " deleted"); }
};

std::vector<std::string> Written(SortedWrites& sorted) {
  rocksdb::WriteBatch batch;
  EXPECT_TRUE(sorted.AddTo(batch).ok());
  Recorder recorder;
  EXPECT_TRUE(batch.Iterate(&recorder).ok());
  return recorder.writes;
}

TEST(SortedWrites, WritesEachKeyOnceInKeyOrderAsItsLastWrite) {
  const std::string borrowed = "borrowed";
  SortedWrites sorted(nullptr);
  sorted.PutCopy("m", "1");
  sorted.Put("b", borrowed);
  sorted.Delete("m");  // a delete after a put: deleted
  sorted.PutCopy("a", "x");
  sorted.Delete("z");
  sorted.PutCopy("z", "2");  // a put after a delete: put
  sorted.PutCopy("a", "y");  // the last of three puts stays
  sorted.PutCopy("a", "z");
  EXPECT_EQ(Written(sorted), (std::vector<std::string>{"a=z", "b=borrowed", "m deleted", "z=2"}));
}

TEST(SortedWrites, ComparesKeysAsBytes) {
  SortedWrites sorted(nullptr);
  sorted.PutCopy(std::string("b\xff", 2), "high");
  sorted.PutCopy(std::string("b\0", 2), "nul");
  sorted.PutCopy("b", "short");
  EXPECT_EQ(Written(sorted),
            (std::vector<std::string>{"b=short", std::string("b\0=nul", 6), "b\xff=high"}));
}

TEST(SortedWrites, NothingGivenWritesNothing) {
  SortedWrites sorted(nullptr);
  EXPECT_TRUE(Written(sorted).empty());
}

}  // namespace
}  // namespace cognate::storage
