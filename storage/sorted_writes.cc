#include "storage/sorted_writes.h"

#include <rocksdb/write_batch.h>

#include <algorithm>

namespace cognate::storage {

rocksdb::Status SortedWrites::AddTo(rocksdb::WriteBatch& batch) {
  // Stable: of several writes to one key, the one given last stays last.
  std::stable_sort(writes_.begin(), writes_.end(),
                   [](const Write& a, const Write& b) { return a.key < b.key; });
  rocksdb::Status s;
  for (size_t i = 0; i < writes_.size() && s.ok(); ++i) {
    const Write& write = writes_[i];
    if (i + 1 < writes_.size() && writes_[i + 1].key == write.key) continue;  // overwritten
    s = write.deletes ? batch.Delete(family_, write.key)
                      : batch.Put(family_, write.key, write.value());
  }
  return s;
}

}  // namespace cognate::storage
