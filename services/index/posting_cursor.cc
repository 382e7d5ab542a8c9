#include "services/index/posting_cursor.h"

#include <algorithm>
#include <utility>

#include "services/common/status_util.h"

namespace loupe {
namespace {

// The first index >= `from` whose docid is >= `target` in ascending
// `docids` (their size when none is). Gallops from `from` before the
// binary search: an intersection's next target is usually a few postings
// ahead, where a binary search over the rest of the block mispredicts most
// of its branches.
uint32_t GallopTo(const std::vector<uint32_t>& docids, uint32_t from, uint32_t target) {
  const size_t n = docids.size();
  size_t low = from;  // Every docid before `low` is < target.
  size_t probe = from;
  size_t step = 1;
  while (probe < n && docids[probe] < target) {
    low = probe + 1;
    probe = low + step;
    step *= 2;
  }
  const auto begin = docids.begin();
  return static_cast<uint32_t>(
      std::lower_bound(begin + low, begin + std::min(probe, n), target) - begin);
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostingCursor>> PostingCursor::Open(
    const PostingStore& store, const rocksdb::Snapshot* snapshot, absl::string_view term_key,
    const SearchTermRecords* read_before) {
  std::unique_ptr<PostingCursor> cursor(new PostingCursor());
  const TermRecord* known = read_before != nullptr ? read_before->Find(term_key) : nullptr;
  if (known != nullptr) {
    cursor->record_ = known;
  } else {
    absl::StatusOr<TermRecord> record = store.ReadTerm(snapshot, term_key);
    if (!record.ok()) return record.status();
    cursor->own_record_ = *std::move(record);
  }
  uint64_t tail_count = 0;
  if (!cursor->record_->tail.empty()) {
    absl::StatusOr<PostingBlockView> tail = PostingBlockView::Parse(cursor->record_->tail);
    if (!tail.ok()) return tail.status();
    tail_count = tail->count();
  }
  // Sealed blocks exist only when the tail does not hold every posting.
  if (cursor->record_->document_frequency > tail_count) {
    cursor->seek_key_ = std::string(term_key);
    cursor->seek_key_.push_back('\0');
    cursor->upper_bound_ = std::string(term_key);
    cursor->upper_bound_.push_back('\1');
    cursor->upper_bound_slice_ = rocksdb::Slice(cursor->upper_bound_);
    cursor->store_ = &store;
    cursor->snapshot_ = snapshot;
  }
  return cursor;
}

void PostingCursor::Fail(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
  has_block_ = false;
  positioned_ = false;  // the inline Next() must not step on from here
  docid_ = kEndDocid;
}

void PostingCursor::LeaveBlock() {
  decoded_docids_ = false;
  decoded_tfs_ = false;
  decoded_lengths_ = false;
  decoded_positions_ = false;
  position_reader_ready_ = false;
  decoded_posting_ = kNoPosting;
  positioned_ = false;
  parsed_ = false;
}

bool PostingCursor::NextBlock() {
  if (!status_.ok()) return false;
  LeaveBlock();
  if (store_ != nullptr && !in_tail_) {
    if (!started_) {
      started_ = true;
      if (!StartSealedBlocks()) return false;
    } else if (has_block_) {
      if (list_ != nullptr) {
        ++list_block_;
      } else {
        blocks_->Next();
      }
    }
    if (list_ != nullptr) {
      if (list_block_ < list_->block_count()) {
        block_value_ = list_->block(list_block_);
        block_last_ = list_->last_docids[list_block_];
        has_block_ = true;
        return true;
      }
    } else if (blocks_->Valid()) {
      const rocksdb::Slice value = blocks_->value();
      block_value_ = absl::string_view(value.data(), value.size());
      if (!PostingBlockView::ReadLastDocid(block_value_, &block_last_)) {
        Fail(absl::DataLossError("corrupt posting block header"));
        return false;
      }
      has_block_ = true;
      return true;
    } else if (!blocks_->status().ok()) {
      Fail(FromRocksDb(blocks_->status(), "rocksdb scan postings"));
      return false;
    }
  }
  if (!in_tail_ && !record_->tail.empty()) {
    started_ = true;
    in_tail_ = true;
    absl::StatusOr<PostingBlockView> view = PostingBlockView::Parse(record_->tail);
    if (!view.ok()) {
      Fail(view.status());
      return false;
    }
    block_ = *view;
    block_value_ = record_->tail;
    block_last_ = block_.last_docid();
    parsed_ = true;
    has_block_ = true;
    return true;
  }
  started_ = true;
  in_tail_ = true;
  has_block_ = false;
  docid_ = kEndDocid;
  return false;
}

bool PostingCursor::StartSealedBlocks() {
  const absl::string_view term_key = absl::string_view(seek_key_).substr(0, seek_key_.size() - 1);
  absl::StatusOr<SharedSealedList> list =
      store_->SharedSealedBlocks(snapshot_, term_key, record_->document_frequency);
  if (!list.ok()) {
    Fail(list.status());
    return false;
  }
  list_ = *std::move(list);
  list_block_ = 0;
  if (list_ != nullptr) return true;
  rocksdb::ReadOptions read;
  read.snapshot = snapshot_;
  read.iterate_upper_bound = &upper_bound_slice_;
  blocks_.reset(store_->db()->NewIterator(read, store_->postings_family()));
  blocks_->Seek(seek_key_);
  return true;
}

bool PostingCursor::ParseBlock() {
  if (parsed_) return true;
  if (!has_block_) return false;
  if (SiblingOnThisBlock() && sibling_->parsed_) {
    block_ = sibling_->block_;
    parsed_ = true;
    return true;
  }
  absl::StatusOr<PostingBlockView> view = PostingBlockView::Parse(block_value_);
  if (!view.ok()) {
    Fail(view.status());
    return false;
  }
  block_ = *std::move(view);
  parsed_ = true;
  return true;
}

absl::Span<const Impact> PostingCursor::block_impacts() {
  if (!ParseBlock()) return {};
  return block_.impacts();
}

bool PostingCursor::DecodeOnce(bool PostingCursor::*decoded,
                               absl::Status (PostingBlockView::*decode)(DecodedPostings*) const,
                               TakeDecoded take) {
  if (this->*decoded) return true;
  if (!ParseBlock()) return false;
  if (take != nullptr && SiblingOnThisBlock() && sibling_->*decoded) {
    take(sibling_->decoded_, &decoded_);
  } else {
    absl::Status status = (block_.*decode)(&decoded_);
    if (!status.ok()) {
      Fail(status);
      return false;
    }
  }
  this->*decoded = true;
  return true;
}

bool PostingCursor::DecodeBlock(bool with_positions) {
  return DecodeDocids() && DecodeTfs() && DecodeLengths() &&
         (!with_positions ||
          DecodeOnce(&PostingCursor::decoded_positions_, &PostingBlockView::DecodePositions));
}

bool PostingCursor::DecodeDocids() {
  return DecodeOnce(&PostingCursor::decoded_docids_, &PostingBlockView::DecodeDocids,
                    [](const DecodedPostings& from, DecodedPostings* to) {
                      to->docids = from.docids;
                    });
}

bool PostingCursor::DecodeTfs() {
  return DecodeOnce(&PostingCursor::decoded_tfs_, &PostingBlockView::DecodeTfs,
                    [](const DecodedPostings& from, DecodedPostings* to) {
                      to->tfs = from.tfs;
                      to->tf_total = from.tf_total;
                    });
}

bool PostingCursor::DecodeLengths() {
  return DecodeOnce(&PostingCursor::decoded_lengths_, &PostingBlockView::DecodeLengths,
                    [](const DecodedPostings& from, DecodedPostings* to) {
                      to->lengths = from.lengths;
                    });
}

void PostingCursor::EnterBlock(uint32_t target) {
  if (!DecodeDocids()) return;
  const auto begin = decoded_.docids.begin();
  index_ = static_cast<uint32_t>(std::lower_bound(begin, decoded_.docids.end(), target) - begin);
  docid_ = decoded_.docids[index_];  // the block's last docid >= target
  positioned_ = true;
}

void PostingCursor::NextFromBlockEnd() {
  if (docid_ == kEndDocid) return;
  if (!NextBlock()) return;
  EnterBlock(0);
}

uint32_t PostingCursor::ShallowAdvance(uint32_t target) {
  if (docid_ == kEndDocid) return kEndDocid;
  if (!has_block_ && !NextBlock()) return kEndDocid;
  if (block_last_ < target && list_ != nullptr && !in_tail_) {
    // Jump to the block before the first whose last docid >= target (the
    // tail when none is), so that NextBlock enters it.
    list_block_ = GallopTo(list_->last_docids, static_cast<uint32_t>(list_block_ + 1), target) - 1;
    if (!NextBlock()) return kEndDocid;
  }
  while (block_last_ < target) {
    if (!NextBlock()) return kEndDocid;
  }
  return block_last_;
}

void PostingCursor::AdvanceFurther(uint32_t target) {
  if (ShallowAdvance(target) == kEndDocid) return;
  if (positioned_) {
    // Same block: search forward from the current posting.
    index_ = GallopTo(decoded_.docids, index_ + 1, target);
    docid_ = decoded_.docids[index_];
    return;
  }
  EnterBlock(target);
}

absl::Status PostingCursor::Positions(std::vector<uint32_t>* out) {
  if (!positioned_) return absl::FailedPreconditionError("cursor is not on a posting");
  const absl::Span<const uint32_t> positions = PositionSpan();
  if (!status_.ok()) return status_;
  out->assign(positions.begin(), positions.end());
  return absl::OkStatus();
}

absl::Span<const uint32_t> PostingCursor::PositionSpan() {
  if (!positioned_ || !TfsReady()) return {};
  if (decoded_positions_) {  // The whole block was decoded (DecodeBlock).
    const uint32_t start = decoded_.position_starts[index_];
    return absl::MakeConstSpan(decoded_.positions.data() + start,
                               decoded_.position_starts[index_ + 1] - start);
  }
  if (decoded_posting_ == index_) return posting_positions_;
  if (!position_reader_ready_) {
    const uint64_t total = decoded_.tf_total;
    if (total > UINT32_MAX) {
      Fail(absl::DataLossError("corrupt posting block: positions"));
      return {};
    }
    position_reader_ = block_.PositionReader(static_cast<uint32_t>(total));
    position_reader_posting_ = 0;
    position_reader_ready_ = true;
  }
  // The cursor only moves forward, so neither does the reader.
  uint32_t start = position_reader_.next();
  for (; position_reader_posting_ < index_; ++position_reader_posting_) {
    start += decoded_.tfs[position_reader_posting_];
  }
  const uint32_t tf = decoded_.tfs[index_];
  posting_positions_.resize(tf);
  if (!position_reader_.SkipTo(start) || !position_reader_.Read(tf, posting_positions_.data())) {
    Fail(absl::DataLossError("corrupt posting block: positions"));
    return {};
  }
  ++position_reader_posting_;
  uint32_t position = 0;
  for (uint32_t& value : posting_positions_) value = position += value;
  decoded_posting_ = index_;
  return posting_positions_;
}

}  // namespace loupe
