#include "services/index/posting_block.h"

#include <algorithm>
#include <utility>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "absl/strings/str_cat.h"
#include "services/common/key_codec.h"
#include "services/common/status_util.h"
#include "services/index/svb_decode.h"
#include "streamvbyte.h"
#include "streamvbytedelta.h"

namespace loupe {
namespace {

// The SIMD decoder may read up to 16 bytes past a section; the value ends
// with this many zero bytes so that the last section never reads past it.
constexpr size_t kDecodePadding = 16;

// Appends `values` in Stream VByte to `out`, encoded in place at its end.
size_t AppendStreamVByte(std::string* out, const std::vector<uint32_t>& values, bool delta,
                         uint32_t delta_base) {
  const size_t start = out->size();
  out->resize(start + streamvbyte_max_compressedbytes(values.size()));
  auto* bytes = reinterpret_cast<uint8_t*>(out->data() + start);
  const size_t size = delta ? streamvbyte_delta_encode(values.data(), values.size(), bytes,
                                                       delta_base)
                            : streamvbyte_encode(values.data(), values.size(), bytes);
  out->resize(start + size);
  return size;
}

// A section: its size in bytes (varint), then the values in Stream VByte.
void AppendSection(std::string* out, const std::vector<uint32_t>& values, bool delta,
                   uint32_t delta_base, std::string* scratch) {
  scratch->clear();
  AppendVarint(out, AppendStreamVByte(scratch, values, delta, delta_base));
  out->append(*scratch);
}

bool ReadSection(absl::string_view value, size_t* pos, absl::string_view* section) {
  uint64_t size = 0;
  if (!ReadVarint(value, pos, &size) || size > value.size() - *pos) return false;
  *section = value.substr(*pos, size);
  *pos += size;
  return true;
}

// Decodes `count` integers of `section` into `out` (resized); false when
// the section does not hold exactly that many.
bool DecodeSection(absl::string_view section, uint32_t count, bool delta, uint32_t delta_base,
                   std::vector<uint32_t>* out) {
  // Every integer takes 1 to 4 bytes plus its 2 control bits.
  const size_t control = (static_cast<size_t>(count) + 3) / 4;
  if (section.size() < control + count || section.size() > control + 4 * size_t{count}) {
    return false;
  }
  out->resize(count);
  const auto* in = reinterpret_cast<const uint8_t*>(section.data());
  const size_t read = delta ? SvbDeltaDecode(in, count, delta_base, out->data())
                            : SvbDecode(in, count, out->data());
  return read == section.size();
}

// Adds 1 to each of `values` (the stored tf - 1) and returns their sum.
uint64_t AddOneAndSum(uint32_t* values, uint32_t count) {
  uint32_t i = 0;
  uint64_t sum = 0;
#ifdef __SSE2__
  // Four at a time, summed in two 64-bit lanes (a block's tfs are summed
  // for every block a phrase reads positions in).
  const __m128i one = _mm_set1_epi32(1);
  const __m128i zero = _mm_setzero_si128();
  __m128i sums = zero;
  for (; i + 4 <= count; i += 4) {
    auto* at = reinterpret_cast<__m128i*>(values + i);
    const __m128i tfs = _mm_add_epi32(_mm_loadu_si128(at), one);
    _mm_storeu_si128(at, tfs);
    sums = _mm_add_epi64(sums, _mm_unpacklo_epi32(tfs, zero));
    sums = _mm_add_epi64(sums, _mm_unpackhi_epi32(tfs, zero));
  }
  uint64_t lanes[2];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(lanes), sums);
  sum = lanes[0] + lanes[1];
#endif
  for (; i < count; ++i) sum += ++values[i];
  return sum;
}

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("corrupt posting block: ", what));
}

// Above this tf, UndominatedImpacts sorts instead of bucketing by tf.
constexpr uint32_t kMaxBucketedTf = 1024;

}  // namespace

std::vector<Impact> UndominatedImpacts(std::vector<Impact> points) {
  // By tf descending, then length ascending: a point is on the frontier
  // when it is shorter than every point with a larger or equal tf. Only
  // the shortest point of each tf can be, so small tfs (nearly all) are
  // bucketed in one pass instead of sorted: every block written and every
  // term updated computes a frontier, and the sort was 4 % of the cluster's
  // CPU during ingest.
  uint32_t max_tf = 0;
  for (const Impact& point : points) max_tf = std::max(max_tf, point.tf);
  std::vector<Impact> frontier;
  if (max_tf <= kMaxBucketedTf) {
    thread_local std::vector<uint32_t> shortest;
    shortest.assign(max_tf + 1, UINT32_MAX);
    for (const Impact& point : points) {
      shortest[point.tf] = std::min(shortest[point.tf], point.field_length);
    }
    for (uint32_t tf = max_tf + 1; tf-- > 0;) {
      if (shortest[tf] == UINT32_MAX) continue;
      if (frontier.empty() || shortest[tf] < frontier.back().field_length) {
        frontier.push_back(Impact{tf, shortest[tf]});
      }
    }
  } else {
    std::sort(points.begin(), points.end(), [](const Impact& a, const Impact& b) {
      return a.tf != b.tf ? a.tf > b.tf : a.field_length < b.field_length;
    });
    for (const Impact& point : points) {
      if (frontier.empty() || point.field_length < frontier.back().field_length) {
        frontier.push_back(point);
      }
    }
  }
  std::reverse(frontier.begin(), frontier.end());  // tf and length ascending
  return frontier;
}

std::vector<Impact> ImpactFrontier(std::vector<Impact> points) {
  std::vector<Impact> frontier = UndominatedImpacts(std::move(points));
  while (frontier.size() > kMaxImpacts) {
    // Merge the neighbours whose lengths are closest: (larger tf, smaller
    // length) dominates both.
    size_t best = 0;
    for (size_t i = 1; i + 1 < frontier.size(); ++i) {
      if (frontier[i + 1].field_length - frontier[i].field_length <
          frontier[best + 1].field_length - frontier[best].field_length) {
        best = i;
      }
    }
    frontier[best] = Impact{frontier[best + 1].tf, frontier[best].field_length};
    frontier.erase(frontier.begin() + static_cast<std::ptrdiff_t>(best) + 1);
  }
  return frontier;
}

std::string EncodePostingBlock(absl::Span<const PostingEntry> postings) {
  const uint32_t count = static_cast<uint32_t>(postings.size());
  std::vector<uint32_t> docids, tfs, lengths, positions;
  std::vector<Impact> points;
  size_t position_count = 0;
  for (const PostingEntry& posting : postings) position_count += posting.positions.size();
  docids.reserve(count);
  tfs.reserve(count);
  lengths.reserve(count);
  points.reserve(count);
  positions.reserve(position_count);
  for (const PostingEntry& posting : postings) {
    const auto tf = static_cast<uint32_t>(posting.positions.size());
    docids.push_back(posting.docid);
    tfs.push_back(tf - 1);
    lengths.push_back(posting.field_length);
    points.push_back(Impact{tf, posting.field_length});
    uint32_t previous = 0;
    for (uint32_t position : posting.positions) {
      positions.push_back(position - previous);
      previous = position;
    }
  }
  std::string out;
  AppendVarint(&out, count);
  AppendVarint(&out, docids.front());
  AppendVarint(&out, docids.back() - docids.front());
  const std::vector<Impact> impacts = ImpactFrontier(std::move(points));
  AppendVarint(&out, impacts.size());
  for (const Impact& impact : impacts) {
    AppendVarint(&out, impact.tf);
    AppendVarint(&out, impact.field_length);
  }
  std::string scratch;
  AppendSection(&out, docids, /*delta=*/true, docids.front(), &scratch);
  AppendSection(&out, tfs, false, 0, &scratch);
  AppendSection(&out, lengths, false, 0, &scratch);
  AppendStreamVByte(&out, positions, false, 0);
  out.append(kDecodePadding, '\0');
  return out;
}

bool PostingBlockView::ReadLastDocid(absl::string_view value, uint32_t* last_docid) {
  size_t pos = 0;
  uint64_t count = 0, first = 0, span = 0;
  if (!ReadVarint(value, &pos, &count) || !ReadVarint(value, &pos, &first) ||
      !ReadVarint(value, &pos, &span) || first + span > UINT32_MAX) {
    return false;
  }
  *last_docid = static_cast<uint32_t>(first + span);
  return true;
}

absl::StatusOr<PostingBlockView> PostingBlockView::Parse(absl::string_view value) {
  PostingBlockView view;
  size_t pos = 0;
  uint64_t count = 0, first = 0, span = 0, impact_count = 0;
  if (!ReadVarint(value, &pos, &count) || count == 0 || count > kPostingBlockSize ||
      !ReadVarint(value, &pos, &first) || !ReadVarint(value, &pos, &span) ||
      first + span > UINT32_MAX || span + 1 < count || !ReadVarint(value, &pos, &impact_count) ||
      impact_count == 0 || impact_count > kMaxImpacts) {
    return Corrupt("header");
  }
  view.count_ = static_cast<uint32_t>(count);
  view.first_docid_ = static_cast<uint32_t>(first);
  view.last_docid_ = static_cast<uint32_t>(first + span);
  view.impact_count_ = static_cast<uint32_t>(impact_count);
  for (uint32_t i = 0; i < view.impact_count_; ++i) {
    Impact& impact = view.impacts_[i];
    uint64_t tf = 0, length = 0;
    if (!ReadVarint(value, &pos, &tf) || !ReadVarint(value, &pos, &length) || tf == 0 ||
        tf > UINT32_MAX || length > UINT32_MAX) {
      return Corrupt("impacts");
    }
    impact = Impact{static_cast<uint32_t>(tf), static_cast<uint32_t>(length)};
  }
  if (!ReadSection(value, &pos, &view.docids_) || !ReadSection(value, &pos, &view.tfs_) ||
      !ReadSection(value, &pos, &view.lengths_) || value.size() - pos < kDecodePadding) {
    return Corrupt("section sizes");
  }
  view.positions_ = value.substr(pos, value.size() - pos - kDecodePadding);
  return view;
}

absl::Status PostingBlockView::DecodeDocids(DecodedPostings* out) const {
  if (!DecodeSection(docids_, count_, /*delta=*/true, first_docid_, &out->docids)) {
    return Corrupt("docids");
  }
  if (out->docids.front() != first_docid_ || out->docids.back() != last_docid_) {
    return Corrupt("docids disagree with the header");
  }
  return absl::OkStatus();
}

absl::Status PostingBlockView::DecodeTfs(DecodedPostings* out) const {
  if (!DecodeSection(tfs_, count_, false, 0, &out->tfs)) return Corrupt("tfs");
  out->tf_total = AddOneAndSum(out->tfs.data(), count_);
  return absl::OkStatus();
}

absl::Status PostingBlockView::DecodeLengths(DecodedPostings* out) const {
  if (!DecodeSection(lengths_, count_, false, 0, &out->lengths)) return Corrupt("lengths");
  return absl::OkStatus();
}

absl::Status PostingBlockView::DecodeFrequencies(DecodedPostings* out) const {
  LOUPE_RETURN_IF_ERROR(DecodeTfs(out));
  return DecodeLengths(out);
}

absl::Status PostingBlockView::DecodeDocs(DecodedPostings* out) const {
  LOUPE_RETURN_IF_ERROR(DecodeDocids(out));
  return DecodeFrequencies(out);
}

absl::Status PostingBlockView::DecodePositions(DecodedPostings* out) const {
  const uint64_t total = out->tf_total;
  if (total > UINT32_MAX || !DecodeSection(positions_, static_cast<uint32_t>(total), false, 0,
                                           &out->positions)) {
    return Corrupt("positions");
  }
  out->position_starts.resize(out->tfs.size() + 1);
  uint32_t start = 0;
  for (size_t i = 0; i < out->tfs.size(); ++i) {
    out->position_starts[i] = start;
    uint32_t current = 0;
    for (uint32_t p = start; p < start + out->tfs[i]; ++p) {
      current += out->positions[p];
      out->positions[p] = current;
    }
    start += out->tfs[i];
  }
  out->position_starts.back() = start;
  return absl::OkStatus();
}

SvbForwardReader PostingBlockView::PositionReader(uint32_t total) const {
  return SvbForwardReader(reinterpret_cast<const uint8_t*>(positions_.data()),
                          positions_.size(), total);
}

absl::Status PostingBlockView::DecodeAll(std::vector<PostingEntry>* out) const {
  DecodedPostings decoded;
  absl::Status status = DecodeDocs(&decoded);
  if (status.ok()) status = DecodePositions(&decoded);
  if (!status.ok()) return status;
  out->clear();
  out->reserve(count_);
  for (uint32_t i = 0; i < count_; ++i) {
    PostingEntry entry;
    entry.docid = decoded.docids[i];
    entry.field_length = decoded.lengths[i];
    entry.positions.assign(decoded.positions.begin() + decoded.position_starts[i],
                           decoded.positions.begin() + decoded.position_starts[i + 1]);
    out->push_back(std::move(entry));
  }
  return absl::OkStatus();
}

}  // namespace loupe
