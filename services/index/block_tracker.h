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
  //
  // A target at or before the last call's *upto is still in every block of
  // that call, whose bound therefore still holds from the target on: the
  // cursors are not visited, and the answer is "unchanged", with the same
  // *upto (a cursor that moved on to a later block since gives a smaller
  // one than it could, never a wrong one). Most clauses of a long query
  // are asked at windows that end before their blocks do.
  template <typename ForEachCursor>
  bool Advance(uint32_t target, ForEachCursor for_each_cursor, uint32_t* upto) {
    if (!lasts_.empty() && target <= upto_) {
      *upto = upto_;
      return false;
    }
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
    upto_ = *upto;
    return changed;
  }

 private:
  // Per cursor, the last docid of its block at the previous call.
  std::vector<uint32_t> lasts_;
  // The last call's *upto.
  uint32_t upto_ = 0;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_BLOCK_TRACKER_H_
