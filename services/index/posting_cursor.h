// PostingCursor: walks one posting list of a snapshot, block by block or
// posting by posting, decoding a block only when a posting of it is asked
// for. Stepping over a block reads only its last docid; its impacts (for
// dynamic pruning) and sections are parsed when first asked for.
//
// The cursor starts before the first posting: call Next() or Advance()
// first (docid() means nothing before). docid() is kEndDocid once the list
// is exhausted (or on error: check status()). Only forward moves.
//
//   absl::StatusOr<std::unique_ptr<PostingCursor>> cursor =
//       PostingCursor::Open(postings, snapshot, PostingStore::TermKey(FIELD_BODY, "storm"));
//   for ((*cursor)->Next(); (*cursor)->docid() != kEndDocid; (*cursor)->Next()) {
//     use((*cursor)->docid(), (*cursor)->tf(), (*cursor)->field_length());
//   }
//   LOUPE_RETURN_IF_ERROR((*cursor)->status());
#ifndef LOUPE_SERVICES_INDEX_POSTING_CURSOR_H_
#define LOUPE_SERVICES_INDEX_POSTING_CURSOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rocksdb/db.h"
#include "services/index/posting_block.h"
#include "services/index/posting_store.h"
#include "services/index/sealed_list.h"
#include "services/index/search_term_records.h"

namespace loupe {

inline constexpr uint32_t kEndDocid = UINT32_MAX;

class PostingCursor {
 public:
  // The list of `term_key` as of `snapshot` (nullptr = latest); `store`
  // must outlive the cursor. An absent term gives an empty cursor. When
  // `read_before` (nullable) holds the term's record, read at the same
  // snapshot, the cursor reads it there (no copy) instead of reading it
  // again: `read_before` must then outlive the cursor.
  static absl::StatusOr<std::unique_ptr<PostingCursor>> Open(
      const PostingStore& store, const rocksdb::Snapshot* snapshot, absl::string_view term_key,
      const SearchTermRecords* read_before = nullptr);

  // record_ may point into the cursor itself.
  PostingCursor(const PostingCursor&) = delete;
  PostingCursor& operator=(const PostingCursor&) = delete;

  uint64_t document_frequency() const { return record_->document_frequency; }
  // The whole list's impact frontier (posting_block.h).
  const std::vector<Impact>& impacts() const { return record_->impacts; }

  // Block level. NextBlock moves to the next block (the first on the first
  // call); false past the last one.
  bool NextBlock();
  bool has_block() const { return has_block_; }
  // The current block's impact frontier (parses its header on the first
  // call; empty, with status() set, on corrupt data). Needs has_block().
  absl::Span<const Impact> block_impacts();
  // Decodes the current block's docids, tfs and lengths (and positions with
  // `with_positions`) into decoded(); false on corrupt data (status()).
  bool DecodeBlock(bool with_positions);
  const DecodedPostings& decoded() const { return decoded_; }

  // Posting level.
  uint32_t docid() const { return docid_; }
  // On a posting: false before the first move and after a ShallowAdvance
  // into another block (docid() is then stale).
  bool positioned() const { return positioned_; }
  // Moves to the next posting (inline within a decoded block: term clauses
  // call it for every posting they walk).
  void Next() {
    if (positioned_ && index_ + 1 < block_.count()) {
      docid_ = decoded_.docids[++index_];
      return;
    }
    NextFromBlockEnd();
  }
  // Moves to the first posting whose docid >= target (no move when already
  // there: inline, as a term group asks each of its cursors, most of which
  // are already past a candidate that one of them has).
  void Advance(uint32_t target) {
    if (docid_ == kEndDocid || (positioned_ && docid_ >= target)) return;
    AdvanceFurther(target);
  }
  // Moves to the first block whose last docid >= target without decoding
  // it; returns that block's last docid (kEndDocid past the end). The
  // posting position is then undefined until the next Advance(>= target).
  uint32_t ShallowAdvance(uint32_t target);
  // The current posting's tf and field length (decoded with the block's
  // first call; a corrupt block gives 0 and status()).
  uint32_t tf() { return TfsReady() ? decoded_.tfs[index_] : 0; }
  uint32_t field_length() { return LengthsReady() ? decoded_.lengths[index_] : 0; }
  // Positions of the current posting (decodes the block's positions once).
  absl::Status Positions(std::vector<uint32_t>* out);
  // The same, without a copy: valid until the cursor moves. Decodes only
  // this posting's positions (and skips those before it by their lengths),
  // since a phrase lookup reads a block's positions for one or two of its
  // postings. Empty on corrupt data (status()).
  absl::Span<const uint32_t> PositionSpan();

  absl::Status status() const { return status_; }

  // Lets this cursor take what `sibling` parsed and decoded of a block both
  // are on, instead of decoding it again: a phrase's own cursor of a word
  // walks the list its term's cursor walks a little ahead, mostly in the
  // same block. `sibling` must walk the same list of the same snapshot and
  // outlive this cursor; the blocks are told apart by where their bytes are
  // (the shared list's or the term record's tail).
  void ShareDecodedBlocks(const PostingCursor* sibling) { sibling_ = sibling; }

 private:
  PostingCursor() = default;
  // Next() past the current block, or before the first move.
  void NextFromBlockEnd();
  // Advance() when the cursor has to move.
  void AdvanceFurther(uint32_t target);
  void Fail(absl::Status status);
  // Forgets what the current block parsed and decoded; every move to
  // another block starts here.
  void LeaveBlock();
  // On the first NextBlock: takes the shared list, or else makes the
  // iterator and seeks to the first block; false (and status()) on error.
  bool StartSealedBlocks();
  // Parses the current block's header once; false on corrupt data.
  bool ParseBlock();
  // Decodes the current block's docids and points at its first posting
  // >= target.
  void EnterBlock(uint32_t target);
  // Runs one of the block's decode steps unless this->*decoded; false (and
  // status()) on corrupt data. With `take` (nullable), a step sibling_ has
  // already run on this block is taken from it instead: take(from, to)
  // copies the columns the step fills.
  using TakeDecoded = void (*)(const DecodedPostings& from, DecodedPostings* to);
  bool DecodeOnce(bool PostingCursor::*decoded,
                  absl::Status (PostingBlockView::*decode)(DecodedPostings*) const,
                  TakeDecoded take = nullptr);
  // Whether sibling_ is on the current block (the same bytes).
  bool SiblingOnThisBlock() const {
    return sibling_ != nullptr && has_block_ && sibling_->has_block_ &&
           sibling_->block_value_.data() == block_value_.data() &&
           sibling_->block_value_.size() == block_value_.size();
  }
  // Decode the current block's docids, tfs or lengths, once (or take them
  // from sibling_).
  bool DecodeDocids();
  bool DecodeTfs();
  bool DecodeLengths();
  // The same with the usual case (already decoded) inline: tf() and
  // field_length() are read for every scored posting.
  bool TfsReady() { return decoded_tfs_ || DecodeTfs(); }
  bool LengthsReady() { return decoded_lengths_ || DecodeLengths(); }

  // The term's record: read_before's, or own_record_ when read here.
  TermRecord own_record_;
  const TermRecord* record_ = &own_record_;
  // The sealed blocks, from the first NextBlock on (an intersection that
  // ends early never walks its costliest lists): the list shared through
  // the read cache when the store gives one (sealed_list.h), else a RocksDB
  // iterator.
  const PostingStore* store_ = nullptr;  // null when the list has no sealed block
  const rocksdb::Snapshot* snapshot_ = nullptr;
  SharedSealedList list_;
  size_t list_block_ = 0;  // the current block of list_
  std::unique_ptr<rocksdb::Iterator> blocks_;
  // The current block's encoded value (in list_, in blocks_, or the
  // record's tail).
  absl::string_view block_value_;
  std::string upper_bound_;
  rocksdb::Slice upper_bound_slice_;
  std::string seek_key_;
  bool started_ = false;
  bool in_tail_ = false;
  bool has_block_ = false;
  // The current block's last docid, read before the rest of its header.
  uint32_t block_last_ = 0;
  bool parsed_ = false;
  PostingBlockView block_;
  bool decoded_docids_ = false;
  // Separate, as a phrase's positions need the tfs but not the lengths.
  bool decoded_tfs_ = false;
  bool decoded_lengths_ = false;
  bool decoded_positions_ = false;
  DecodedPostings decoded_;
  // PositionSpan decodes one posting's positions at a time, walking the
  // block's positions section forward: the reader, the posting whose
  // positions start at the reader's next integer, and the last posting
  // decoded into posting_positions_ (kNoPosting: none in this block).
  static constexpr uint32_t kNoPosting = UINT32_MAX;
  bool position_reader_ready_ = false;
  SvbForwardReader position_reader_;
  uint32_t position_reader_posting_ = 0;
  uint32_t decoded_posting_ = kNoPosting;
  std::vector<uint32_t> posting_positions_;
  const PostingCursor* sibling_ = nullptr;  // ShareDecodedBlocks
  uint32_t index_ = 0;
  uint32_t docid_ = 0;
  bool positioned_ = false;
  absl::Status status_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_POSTING_CURSOR_H_
