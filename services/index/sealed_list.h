// SealedList: the sealed blocks of one posting list, copied out of RocksDB
// in one scan and shared, immutable, by the searches of a shard through the
// read cache (term_read_cache.h). A cursor then steps from block to block by
// an index and finds the block of a docid by a search over the blocks' last
// docids, where it otherwise moves a RocksDB iterator (a merge over the
// memtables and levels) one block at a time.
//
//   absl::StatusOr<SharedSealedList> list =
//       postings.SharedSealedBlocks(snapshot, term_key, document_frequency);
//   if (list.ok() && *list != nullptr) {
//     for (size_t i = 0; i < (*list)->block_count(); ++i) {
//       use((*list)->block(i), (*list)->last_docids[i]);
//     }
//   }
#ifndef LOUPE_SERVICES_INDEX_SEALED_LIST_H_
#define LOUPE_SERVICES_INDEX_SEALED_LIST_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace loupe {

struct SealedList {
  // The blocks' encoded values (posting_block.h), one after another.
  std::string bytes;
  // Block i is bytes[ends[i - 1], ends[i]) (from 0 for the first).
  std::vector<size_t> ends;
  // Block i's last docid, ascending.
  std::vector<uint32_t> last_docids;

  size_t block_count() const { return ends.size(); }
  absl::string_view block(size_t i) const {
    const size_t begin = i == 0 ? 0 : ends[i - 1];
    return absl::string_view(bytes).substr(begin, ends[i] - begin);
  }
  // Memory held, for the cache's bound.
  size_t MemoryBytes() const {
    return sizeof(SealedList) + bytes.capacity() + ends.capacity() * sizeof(size_t) +
           last_docids.capacity() * sizeof(uint32_t);
  }
};

using SharedSealedList = std::shared_ptr<const SealedList>;

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_SEALED_LIST_H_
