#include "services/ingest/duplicate_detector.h"

#include <algorithm>
#include <array>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "services/common/hashing.h"
#include "services/common/key_codec.h"
#include "services/common/status_util.h"

namespace loupe {
namespace {

constexpr char kExactPrefix = 'x';
constexpr char kBandPrefix = 'b';
constexpr int kBands = 4;
constexpr int kBandBits = 16;

std::string ExactPrefix(uint64_t fingerprint) {
  std::string key(1, kExactPrefix);
  AppendBigEndian64(&key, fingerprint);
  return key;
}

std::string BandPrefix(int band, uint64_t simhash) {
  std::string key(1, kBandPrefix);
  key.push_back(static_cast<char>(band));
  const auto bits = static_cast<uint16_t>(simhash >> (band * kBandBits));
  key.push_back(static_cast<char>(bits >> 8));
  key.push_back(static_cast<char>(bits & 0xFF));
  return key;
}

constexpr size_t kExactPrefixBytes = 9;  // 'x' fingerprint(BE64)
constexpr size_t kBandPrefixBytes = 4;   // 'b' band bits(BE16)
// Buckets of the hashed memtable: a few prefixes each. One per prefix (the
// factory's default is a million) made each entry its own bucket skip list,
// so the memtable filled its 64 MiB with 14 MB of entries and flushed five
// times as often.
constexpr size_t kMemtableBuckets = 100000;

// The exact or band prefix of an entry key (see the key layout above).
class DuplicateKeyPrefix final : public rocksdb::SliceTransform {
 public:
  // The name is recorded in the SST files; a change of layout needs a new
  // one, so that filters built for the old prefixes are not trusted.
  const char* Name() const override { return "loupe.DuplicateKeyPrefix.1"; }

  // The hashed memtable buckets every key by this, in the domain or not.
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), std::min(PrefixBytes(key), key.size()));
  }

  bool InDomain(const rocksdb::Slice& key) const override {
    const size_t bytes = PrefixBytes(key);
    return bytes > 0 && key.size() >= bytes;
  }

 private:
  static size_t PrefixBytes(const rocksdb::Slice& key) {
    if (key.empty()) return 0;
    if (key[0] == kExactPrefix) return kExactPrefixBytes;
    if (key[0] == kBandPrefix) return kBandPrefixBytes;
    return 0;
  }
};

// kSpreadBits[b] holds bit j of b in its byte j, so that adding it to a
// word of eight byte-wide counters counts the set bits of b one by one.
constexpr std::array<uint64_t, 256> SpreadBits() {
  std::array<uint64_t, 256> table{};
  for (uint64_t b = 0; b < 256; ++b) {
    for (int bit = 0; bit < 8; ++bit) table[b] |= ((b >> bit) & 1) << (8 * bit);
  }
  return table;
}
constexpr std::array<uint64_t, 256> kSpreadBits = SpreadBits();

// How many of a stream of 64-bit hashes have each bit set: byte-wide
// counters, eight to a word (one word per byte of the hash), added into
// 32-bit totals before any of them can pass 255.
class BitCounts {
 public:
  void Add(uint64_t hash) {
    for (int byte = 0; byte < 8; ++byte) lanes_[byte] += kSpreadBits[(hash >> (8 * byte)) & 0xFF];
    if (++pending_ == 255) Fold();
  }
  // Number of hashes with bit `bit` set; call after the last Add.
  const std::array<uint32_t, 64>& Totals() {
    Fold();
    return totals_;
  }

 private:
  void Fold() {
    for (int byte = 0; byte < 8; ++byte) {
      for (int bit = 0; bit < 8; ++bit) {
        totals_[8 * byte + bit] += (lanes_[byte] >> (8 * bit)) & 0xFF;
      }
      lanes_[byte] = 0;
    }
    pending_ = 0;
  }

  std::array<uint64_t, 8> lanes_{};
  std::array<uint32_t, 64> totals_{};
  int pending_ = 0;
};

}  // namespace

void TuneDuplicateFamily(rocksdb::ColumnFamilyOptions* options) {
  options->prefix_extractor = std::make_shared<DuplicateKeyPrefix>();
  options->memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(kMemtableBuckets));
  options->memtable_prefix_bloom_size_ratio = 0.05;
}

int HammingDistance(uint64_t a, uint64_t b) { return __builtin_popcountll(a ^ b); }

ContentSignature SimHashOfTerms(const std::vector<std::string>& terms) {
  ContentSignature signature;
  if (terms.size() < 2 + static_cast<size_t>(kMinShinglesForSimHash)) return signature;
  // Each shingle votes +1 for the bits its hash has and -1 for the others;
  // a bit is set when its votes are positive: more than half of the
  // shingles have it.
  BitCounts counts;
  const size_t shingles = terms.size() - 2;
  for (size_t i = 0; i < shingles; ++i) {
    // Fingerprint64 of "t0\x1ft1\x1ft2": U+001F cannot occur in an analysed
    // term, so shingles are unambiguous.
    counts.Add(Fingerprint64Builder()
                   .Add(terms[i])
                   .Add("\x1f")
                   .Add(terms[i + 1])
                   .Add("\x1f")
                   .Add(terms[i + 2])
                   .Finish());
  }
  const std::array<uint32_t, 64>& ones = counts.Totals();
  uint64_t simhash = 0;
  for (int bit = 0; bit < 64; ++bit) {
    if (2 * static_cast<uint64_t>(ones[bit]) > shingles) simhash |= uint64_t{1} << bit;
  }
  signature.simhash = simhash;
  signature.has_simhash = true;
  return signature;
}

ContentSignature ComputeSignature(const Analyzer& analyzer, absl::string_view body,
                                  absl::string_view lang) {
  std::vector<Token> tokens;
  analyzer.Analyze(body, lang, &tokens);
  std::vector<std::string> terms;
  terms.reserve(tokens.size());
  for (Token& token : tokens) terms.push_back(std::move(token.term));
  ContentSignature signature = SimHashOfTerms(terms);
  signature.body_fingerprint = Fingerprint64(body);
  return signature;
}

absl::StatusOr<std::optional<std::string>> DuplicateIndex::FindCluster(
    const ContentSignature& signature, const ReadableWriteBatch& batch) const {
  // Every scan stays within one prefix, which the prefix extractor,
  // memtable and filters of the family rely on (TuneDuplicateFamily).
  rocksdb::ReadOptions read_options;
  read_options.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> stored(db_->NewIterator(read_options, family_));

  std::optional<std::string> exact;
  LOUPE_RETURN_IF_ERROR(batch.ScanPrefix(stored.get(), family_,
                                         ExactPrefix(signature.body_fingerprint),
                                         [&](absl::string_view, absl::string_view cluster) {
                                           exact = std::string(cluster);
                                           return false;
                                         }));
  if (exact.has_value() || !signature.has_simhash) return exact;

  std::optional<std::string> best;
  int best_distance = kMaxHammingDistance + 1;
  for (int band = 0; band < kBands && best_distance > 0; ++band) {
    LOUPE_RETURN_IF_ERROR(batch.ScanPrefix(
        stored.get(), family_, BandPrefix(band, signature.simhash),
        [&](absl::string_view, absl::string_view value) {
          if (value.size() < 8) return true;
          const int distance = HammingDistance(signature.simhash, DecodeBigEndian64(value.data()));
          if (distance < best_distance) {
            best_distance = distance;
            best = std::string(value.substr(8));
          }
          return true;
        }));
  }
  return best;
}

absl::Status DuplicateIndex::Add(absl::string_view id, const ContentSignature& signature,
                                 absl::string_view cluster, ReadableWriteBatch* batch) const {
  const std::string exact = absl::StrCat(ExactPrefix(signature.body_fingerprint), id);
  LOUPE_RETURN_IF_ERROR(batch->Put(family_, exact, cluster));
  if (!signature.has_simhash) return absl::OkStatus();
  std::string value = BigEndian64(signature.simhash);
  value.append(cluster.data(), cluster.size());
  for (int band = 0; band < kBands; ++band) {
    const std::string key = absl::StrCat(BandPrefix(band, signature.simhash), id);
    LOUPE_RETURN_IF_ERROR(batch->Put(family_, key, value));
  }
  return absl::OkStatus();
}

absl::Status DuplicateIndex::Remove(absl::string_view id, const ContentSignature& signature,
                                    ReadableWriteBatch* batch) const {
  const std::string exact = absl::StrCat(ExactPrefix(signature.body_fingerprint), id);
  LOUPE_RETURN_IF_ERROR(batch->Delete(family_, exact));
  if (!signature.has_simhash) return absl::OkStatus();
  for (int band = 0; band < kBands; ++band) {
    const std::string key = absl::StrCat(BandPrefix(band, signature.simhash), id);
    LOUPE_RETURN_IF_ERROR(batch->Delete(family_, key));
  }
  return absl::OkStatus();
}

}  // namespace loupe
