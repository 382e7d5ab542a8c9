// PostingBlock: the compressed encoding of up to kPostingBlockSize postings
// of one (field, term), in ascending docid order, with the header that
// dynamic pruning reads without decoding the rest.
//
// Layout (varints are LEB128; "svb" is libstreamvbyte, 1–4 bytes per
// integer plus 2 control bits, decoded with SIMD):
//   varint count (1..kPostingBlockSize)
//   varint first docid, varint last docid - first docid
//   varint impact count, then per impact: varint tf, varint field length
//   varint bytes of docids   | svb delta-coded docids (from first docid)
//   varint bytes of tfs      | svb tf - 1
//   varint bytes of lengths  | svb field lengths
//   rest                     | svb position deltas, per posting from 0
// Impacts are the Pareto frontier of (tf, field length) over the block:
// BM25 grows with tf and falls with length, so the best score any posting
// of the block can reach, for any k1, b and average length, is the best
// over its impacts. More than kMaxImpacts frontier points are merged into
// points that dominate them (larger tf, smaller length): still an upper
// bound, only looser.
//
//   std::string value = EncodePostingBlock(postings);
//   absl::StatusOr<PostingBlockView> view = PostingBlockView::Parse(value);
//   DecodedPostings decoded;
//   view->DecodeDocs(&decoded);          // docids, tfs, lengths
//   view->DecodePositions(&decoded);     // positions, by posting
#ifndef LOUPE_SERVICES_INDEX_POSTING_BLOCK_H_
#define LOUPE_SERVICES_INDEX_POSTING_BLOCK_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "services/index/svb_decode.h"

namespace loupe {

// Postings per sealed block (the last block of a list may hold fewer).
inline constexpr uint32_t kPostingBlockSize = 128;
// Most (tf, length) points kept in a block header.
inline constexpr uint32_t kMaxImpacts = 8;

// One posting, as written.
struct PostingEntry {
  uint32_t docid = 0;
  uint32_t field_length = 0;
  // Ascending; tf is their number (at least one).
  std::vector<uint32_t> positions;
};

// A point of the (tf, field length) frontier.
struct Impact {
  uint32_t tf = 0;
  uint32_t field_length = 0;
};

// The decoded columns of a block; index i is the i-th posting.
struct DecodedPostings {
  std::vector<uint32_t> docids;
  std::vector<uint32_t> tfs;
  // The sum of tfs (the number of positions in the block), set with them.
  uint64_t tf_total = 0;
  std::vector<uint32_t> lengths;
  // Positions of posting i are positions[position_starts[i] ..
  // position_starts[i + 1]) (absolute, ascending); filled by DecodePositions.
  std::vector<uint32_t> positions;
  std::vector<uint32_t> position_starts;
};

// `postings` by ascending docid, 1..kPostingBlockSize of them, each with
// at least one position.
std::string EncodePostingBlock(absl::Span<const PostingEntry> postings);

// A parsed header over an encoded block; the value must outlive the view.
class PostingBlockView {
 public:
  // DATA_LOSS when the header or the section sizes do not fit `value`.
  static absl::StatusOr<PostingBlockView> Parse(absl::string_view value);
  // The last docid from the first fields of the header alone, for readers
  // that step over blocks without reading them; false on a corrupt header.
  static bool ReadLastDocid(absl::string_view value, uint32_t* last_docid);

  uint32_t count() const { return count_; }
  uint32_t first_docid() const { return first_docid_; }
  uint32_t last_docid() const { return last_docid_; }
  absl::Span<const Impact> impacts() const { return {impacts_.data(), impact_count_}; }

  // Fills docids, tfs and lengths (positions are left as they are).
  absl::Status DecodeDocs(DecodedPostings* out) const;
  // The same in steps, for readers that often need only the docids, or
  // the tfs without the lengths (a phrase finding one posting's positions).
  absl::Status DecodeDocids(DecodedPostings* out) const;
  absl::Status DecodeTfs(DecodedPostings* out) const;
  absl::Status DecodeLengths(DecodedPostings* out) const;
  // DecodeTfs and DecodeLengths.
  absl::Status DecodeFrequencies(DecodedPostings* out) const;
  // Fills positions and position_starts; needs DecodeTfs first.
  absl::Status DecodePositions(DecodedPostings* out) const;
  // A reader of the positions section, which holds `total` integers (the
  // sum of the block's tfs): one posting's positions are its tf integers
  // from the sum of the tfs before it, as deltas from 0.
  SvbForwardReader PositionReader(uint32_t total) const;
  // Every posting of the block, positions included (for rewrites).
  absl::Status DecodeAll(std::vector<PostingEntry>* out) const;

 private:
  uint32_t count_ = 0;
  uint32_t first_docid_ = 0;
  uint32_t last_docid_ = 0;
  // Inline, not on the heap: a header is parsed for every block a query
  // steps through.
  std::array<Impact, kMaxImpacts> impacts_;
  uint32_t impact_count_ = 0;
  absl::string_view docids_;
  absl::string_view tfs_;
  absl::string_view lengths_;
  absl::string_view positions_;
};

// The points of `points` that no other dominates (larger or equal tf and
// smaller or equal length), one per tf, by ascending tf.
std::vector<Impact> UndominatedImpacts(std::vector<Impact> points);
// The frontier of `points` as described above: UndominatedImpacts, merged
// down to at most kMaxImpacts points, by ascending tf.
std::vector<Impact> ImpactFrontier(std::vector<Impact> points);

}  // namespace loupe

#endif  // LOUPE_SERVICES_INDEX_POSTING_BLOCK_H_
