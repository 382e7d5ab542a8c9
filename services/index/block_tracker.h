// BlockTracker: moves a scorer's cursors to the blocks that may hold a
// docid (PostingCursor::ShallowAdvance) and says whether any of them is in
// another block than at the previous call, so that a block bound built
// from their impacts is recomputed only then (term_group_scorer.h,
// phrase_scorer.h).
//
//   bool changed = tracker.Advance(target, [&](auto visit) {
//     for (auto& cursor : cursors) visit(*cursor);
//   }, upto);
//   if (changed) cached_bound = ...;  // from cursor->block_impacts()
#ifndef LOUPE_SERVICES_INDEX_BLOCK_TRACKER_H_
#define LOUPE_SERVICES_INDEX_BLOCK_TRACKER_H_

#include <algorithm>
#include <cstdint>
#include <vector>

#include "services/index/posting_cursor.h"

namespace loupe {

class BlockTracker {
 public:
  // `for_each_cursor(visit)` must call visit(PostingCursor&) on the same
  // cursors, in the same order, at every call. Sets *upto to the smallest
  // last docid of their blocks (kEndDocid when all are exhausted).
  template <typename ForEachCursor>
  bool Advance(uint32_t target, ForEachCursor for_each_cursor, uint32_t* upto) {
    *upto = kEndDocid;
    bool changed = lasts_.empty();
    size_t c = 0;
    for_each_cursor([&](PostingCursor& cursor) {
      const uint32_t last = cursor.ShallowAdvance(target);
      *upto = std::min(*upto, last);
      if (c == lasts_.size()) lasts_.push_back(0);
      changed |= lasts_[c] != last;
      lasts_[c++] = last;
    });
    return changed;
  }

 private:
  // Per cursor, the last docid of its block at the previous call.
  std::vector<uint32_t> lasts_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_BLOCK_TRACKER_H_
