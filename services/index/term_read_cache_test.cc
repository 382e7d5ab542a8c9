// TermReadCache on its own (the write protocol, stamps, bounds), and two
// property tests: random batches written to one database, with snapshots
// taken along the way and read at random, through a PostingStore with a
// cache (small enough to be emptied often) and through one without; every
// read must give the same records, and every cursor walk the same postings,
// old snapshots included, also when the cursor takes decoded blocks from a
// sibling cursor (PostingCursor::ShareDecodedBlocks).
#include "services/index/term_read_cache.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "rocksdb/write_batch.h"
#include "services/common/rocksdb_store.h"
#include "services/index/index_schema.h"
#include "services/index/posting_cursor.h"
#include "services/index/posting_store.h"
#include "services/index/search_term_records.h"
#include "services/index/test_util.h"

namespace loupe {
namespace {

using ::loupe::testing_util::TempDir;

// A record told apart by its tail.
TermReadCache::Record Value(const std::string& tail) {
  TermRecord record;
  record.document_frequency = 1;
  record.tail = tail;
  return std::make_shared<const TermRecord>(std::move(record));
}

// FindAll for one key.
bool Find(const TermReadCache& cache, const std::string& key, uint64_t snapshot_sequence,
          TermReadCache::Record* record) {
  std::vector<TermReadCache::Record> records;
  std::vector<bool> known;
  cache.FindAll({key}, snapshot_sequence, &records, &known);
  *record = records[0];
  return known[0];
}

// The encoded form of a shared record (nullptr: a term without one).
std::string Encoded(const SharedTermRecord& record) {
  return PostingStore::EncodeTermRecord(record != nullptr ? *record : TermRecord{});
}

TEST(TermReadCacheTest, ServesSnapshotsFromTheLastWriteOn) {
  TermReadCache cache(1 << 20);
  TermReadCache::Record record;
  EXPECT_FALSE(Find(cache, "storm", 5, &record));
  cache.BeginWrite({"storm"});
  cache.EndWrite(/*latest_sequence=*/10, /*written=*/true);
  // Read at a snapshot older than the last write: maybe stale, not kept.
  cache.Insert({{"storm", Value("old")}}, 9);
  EXPECT_FALSE(Find(cache, "storm", 20, &record));
  // Read at a snapshot that sees every write: kept, with absent records.
  cache.Insert({{"storm", Value("new")}, {"calm", nullptr}}, 12);
  ASSERT_TRUE(Find(cache, "storm", 10, &record));
  EXPECT_EQ(record->tail, "new");
  ASSERT_TRUE(Find(cache, "calm", 10, &record));
  EXPECT_EQ(record, nullptr);
  // Older than the stamp (the last write): unknown.
  EXPECT_FALSE(Find(cache, "storm", 9, &record));
}

TEST(TermReadCacheTest, AWriteForgetsItsTermsAndBlocksInsertsUntilItEnds) {
  TermReadCache cache(1 << 20);
  cache.Insert({{"storm", Value("v1")}, {"calm", Value("c1")}}, 3);
  cache.BeginWrite({"storm"});
  TermReadCache::Record record;
  EXPECT_FALSE(Find(cache, "storm", 100, &record));
  EXPECT_TRUE(Find(cache, "calm", 100, &record));
  // A search that read during the write may have seen either value.
  cache.Insert({{"storm", Value("v?")}}, 100);
  EXPECT_FALSE(Find(cache, "storm", 100, &record));
  cache.EndWrite(/*latest_sequence=*/7, /*written=*/true);
  cache.Insert({{"storm", Value("v2")}}, 7);
  ASSERT_TRUE(Find(cache, "storm", 7, &record));
  EXPECT_EQ(record->tail, "v2");
  // A failed write's outcome is unknown: everything goes.
  cache.BeginWrite({"other"});
  cache.EndWrite(/*latest_sequence=*/8, /*written=*/false);
  EXPECT_FALSE(Find(cache, "calm", 100, &record));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(TermReadCacheTest, FindAllAnswersPerKey) {
  TermReadCache cache(1 << 20);
  cache.Insert({{"a", Value("ra")}, {"b", nullptr}}, 1);
  std::vector<TermReadCache::Record> records;
  std::vector<bool> known;
  EXPECT_EQ(cache.FindAll({"a", "x", "b", "a"}, 1, &records, &known), 3u);
  EXPECT_EQ(known, (std::vector<bool>{true, false, true, true}));
  EXPECT_EQ(records[0]->tail, "ra");
  EXPECT_EQ(records[1], nullptr);
  EXPECT_EQ(records[2], nullptr);
  EXPECT_EQ(records[3]->tail, "ra");
}

TEST(TermReadCacheTest, StaysWithinItsBound) {
  const size_t entry = TermReadCache::EntryBytes("term10", Value(std::string(30, 'r')));
  const size_t bound = 3 * entry;
  TermReadCache cache(bound);
  TermReadCache::Record record;
  for (int i = 0; i < 50; ++i) {
    cache.Insert({{absl::StrCat("term", i), Value(std::string(30, 'r'))}}, 1);
    EXPECT_LE(cache.bytes(), bound);
    // The last insert is always there: the cache empties itself first.
    EXPECT_TRUE(Find(cache, absl::StrCat("term", i), 1, &record));
  }
  std::vector<std::pair<std::string, TermReadCache::Record>> big;
  for (int i = 0; i < 10; ++i) big.emplace_back(absl::StrCat("big", i), Value("rrrr"));
  cache.Insert(std::move(big), 1);
  EXPECT_LE(cache.bytes(), bound);
  EXPECT_GT(cache.size(), 0u);
  TermReadCache off(0);
  off.Insert({{"storm", Value("v")}}, 1);
  EXPECT_FALSE(Find(off, "storm", 1, &record));
}

// A sealed list told apart by its bytes.
SharedSealedList List(const std::string& bytes) {
  auto list = std::make_shared<SealedList>();
  list->bytes = bytes;
  list->ends.push_back(bytes.size());
  list->last_docids.push_back(1);
  return list;
}

TEST(TermReadCacheTest, ListsFollowTheWriteProtocol) {
  TermReadCache cache(1 << 20, 1 << 20);
  ASSERT_TRUE(cache.keeps_lists());
  EXPECT_EQ(cache.FindList("storm", 5), nullptr);
  cache.BeginWrite({"storm"});
  cache.InsertList("storm", List("during"), 100);  // read while the write is under way
  EXPECT_EQ(cache.FindList("storm", 100), nullptr);
  cache.EndWrite(/*latest_sequence=*/10, /*written=*/true);
  cache.InsertList("storm", List("old"), 9);  // the snapshot misses the last write
  EXPECT_EQ(cache.FindList("storm", 20), nullptr);
  cache.InsertList("storm", List("new"), 12);
  cache.InsertList("calm", List("calm"), 10);
  ASSERT_NE(cache.FindList("storm", 10), nullptr);
  EXPECT_EQ(cache.FindList("storm", 10)->bytes, "new");
  EXPECT_EQ(cache.FindList("storm", 9), nullptr);  // older than its stamp
  // A write forgets its terms' lists, and no other.
  cache.BeginWrite({"storm"});
  EXPECT_EQ(cache.FindList("storm", 100), nullptr);
  EXPECT_NE(cache.FindList("calm", 100), nullptr);
  cache.EndWrite(/*latest_sequence=*/11, /*written=*/true);
  // A failed write's outcome is unknown: every list goes.
  cache.BeginWrite({"other"});
  cache.EndWrite(/*latest_sequence=*/12, /*written=*/false);
  EXPECT_EQ(cache.FindList("calm", 100), nullptr);
  EXPECT_EQ(cache.list_count(), 0u);
  EXPECT_EQ(cache.list_bytes(), 0u);
  // Records alone keep no list.
  TermReadCache records_only(1 << 20);
  EXPECT_FALSE(records_only.keeps_lists());
  records_only.InsertList("storm", List("new"), 1);
  EXPECT_EQ(records_only.FindList("storm", 1), nullptr);
}

TEST(TermReadCacheTest, ListsStayWithinTheirBound) {
  const size_t bound = 64 << 10;
  TermReadCache cache(1 << 20, bound);
  for (int i = 0; i < 200; ++i) {
    cache.InsertList(absl::StrCat("term", i), List(std::string(1000 + i * 10, 'p')), 1);
    EXPECT_LE(cache.list_bytes(), bound);
    // The last insert is kept: the lists are forgotten first.
    EXPECT_NE(cache.FindList(absl::StrCat("term", i), 1), nullptr) << i;
  }
  // The same key again replaces its list and its count.
  const size_t before = cache.list_bytes();
  cache.InsertList("term199", List(std::string(1000 + 199 * 10, 'q')), 1);
  EXPECT_EQ(cache.list_bytes(), before);
  EXPECT_EQ(cache.FindList("term199", 1)->bytes[0], 'q');
  // A list over a quarter of the bound is not kept, and pushes nothing out.
  const size_t count = cache.list_count();
  cache.InsertList("huge", List(std::string(bound / 4, 'h')), 1);
  EXPECT_EQ(cache.FindList("huge", 1), nullptr);
  EXPECT_EQ(cache.list_count(), count);
}

// A database with the index's families in `dir`; nullptr (and a test
// failure) when it does not open.
std::unique_ptr<RocksStore> OpenIndexDb(const TempDir& dir) {
  absl::StatusOr<std::unique_ptr<RocksStore>> store =
      RocksStore::Open(dir.path(), AllFamilies(), RocksOptions{});
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

// The posting lists of `store`, read through `cache` when it is given.
PostingStore PostingsOf(RocksStore& store, TermReadCache* cache = nullptr) {
  return PostingStore(store.db(), store.Family(kPostingsFamily), store.Family(kTermsFamily),
                      cache);
}

// A snapshot of `db`, released with this object.
struct HeldSnapshot {
  explicit HeldSnapshot(rocksdb::DB* db) : db(db), snapshot(db->GetSnapshot()) {}
  HeldSnapshot(const HeldSnapshot&) = delete;
  HeldSnapshot& operator=(const HeldSnapshot&) = delete;
  ~HeldSnapshot() { db->ReleaseSnapshot(snapshot); }

  rocksdb::DB* db;
  const rocksdb::Snapshot* snapshot;
};

void ExpectCachedReadsEqualUncachedOnes(size_t cache_bytes) {
  TempDir dir;
  const std::unique_ptr<RocksStore> store = OpenIndexDb(dir);
  ASSERT_NE(store, nullptr);
  rocksdb::DB* db = store->db();
  TermReadCache cache(cache_bytes);
  const PostingStore plain = PostingsOf(*store);
  const PostingStore cached = PostingsOf(*store, &cache);
  std::vector<std::string> keys;
  for (int word = 0; word < 12; ++word) {
    keys.push_back(PostingStore::TermKey(v1::FIELD_BODY, absl::StrCat("w", word)));
  }
  std::mt19937 random(7);
  std::vector<std::unique_ptr<HeldSnapshot>> snapshots;
  uint32_t next_docid = 1;
  size_t hits_possible = 0;
  for (int step = 0; step < 3000; ++step) {
    const uint32_t action = random() % 10;
    if (action < 3) {
      // A batch over a few words, with the writer's protocol.
      std::vector<std::string> written;
      rocksdb::WriteBatch batch;
      for (int op = 0; op < 3; ++op) {
        const std::string& key = keys[random() % 8];  // words 8-11 never get a record
        PostingChanges changes;
        changes.Add(PostingEntry{next_docid++, 1 + static_cast<uint32_t>(random() % 9), {0}});
        ASSERT_TRUE(plain.Apply(&batch, key, changes).ok());
        written.push_back(key);
      }
      cache.BeginWrite(written);
      // Reads while the write is under way (before and after it lands).
      snapshots.push_back(std::make_unique<HeldSnapshot>(db));
      ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
      snapshots.push_back(std::make_unique<HeldSnapshot>(db));
      for (size_t back = 1; back <= 2; ++back) {
        const rocksdb::Snapshot* during = snapshots[snapshots.size() - back]->snapshot;
        absl::StatusOr<std::vector<SharedTermRecord>> read =
            cached.ReadSharedTerms(during, keys);
        ASSERT_TRUE(read.ok()) << read.status();
      }
      cache.EndWrite(db->GetLatestSequenceNumber(), /*written=*/true);
    } else if (action < 5) {
      snapshots.push_back(std::make_unique<HeldSnapshot>(db));
    } else if (!snapshots.empty()) {
      // Mostly recent snapshots, sometimes old ones.
      const size_t pick = random() % 4 == 0 ? random() % snapshots.size()
                                            : snapshots.size() - 1 - random() % std::min<size_t>(
                                                                         3, snapshots.size());
      const rocksdb::Snapshot* snapshot = snapshots[pick]->snapshot;
      std::vector<std::string> asked;
      for (int k = 0; k < 5; ++k) asked.push_back(keys[random() % keys.size()]);
      absl::StatusOr<std::vector<SharedTermRecord>> expected =
          plain.ReadSharedTerms(snapshot, asked);
      absl::StatusOr<std::vector<SharedTermRecord>> actual =
          cached.ReadSharedTerms(snapshot, asked);
      ASSERT_TRUE(expected.ok() && actual.ok());
      absl::StatusOr<std::vector<uint64_t>> frequencies =
          cached.DocumentFrequencies(snapshot, asked);
      ASSERT_TRUE(frequencies.ok());
      for (size_t k = 0; k < asked.size(); ++k) {
        SCOPED_TRACE(absl::StrCat("step ", step, ", ", asked[k]));
        EXPECT_EQ(Encoded((*actual)[k]), Encoded((*expected)[k]));
        EXPECT_EQ((*frequencies)[k],
                  (*expected)[k] != nullptr ? (*expected)[k]->document_frequency : 0);
      }
      hits_possible += cache.size() > 0;
    }
    if (snapshots.size() > 40) snapshots.erase(snapshots.begin());
  }
  if (cache_bytes > 0) {
    EXPECT_GT(hits_possible, 0u);  // the cache was really used
  }
}

TEST(TermReadCacheTest, CachedReadsEqualUncachedOnesAtEverySnapshot) {
  ExpectCachedReadsEqualUncachedOnes(size_t{1} << 20);
  ExpectCachedReadsEqualUncachedOnes(1000);  // emptied every few inserts
}

TEST(TermReadCacheTest, ListsTooLongToKeepAreNotCopied) {
  TempDir dir;
  const std::unique_ptr<RocksStore> store = OpenIndexDb(dir);
  ASSERT_NE(store, nullptr);
  rocksdb::DB* db = store->db();
  // 4 KiB of lists, 1 KiB a list: at 4 bytes a posting, 256 postings at most.
  TermReadCache cache(size_t{1} << 20, 4096);
  const PostingStore postings = PostingsOf(*store, &cache);
  const std::string short_key = PostingStore::TermKey(v1::FIELD_BODY, "short");
  const std::string long_key = PostingStore::TermKey(v1::FIELD_BODY, "long");
  rocksdb::WriteBatch batch;
  for (const auto& [key, count] : {std::pair{short_key, 200}, std::pair{long_key, 300}}) {
    PostingChanges changes;
    for (uint32_t docid = 1; docid <= static_cast<uint32_t>(count); ++docid) {
      changes.Add(PostingEntry{docid, 10, {0}});
    }
    ASSERT_TRUE(postings.Apply(&batch, key, changes).ok());
  }
  ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
  HeldSnapshot snapshot(db);
  absl::StatusOr<SharedSealedList> short_list =
      postings.SharedSealedBlocks(snapshot.snapshot, short_key, 200);
  ASSERT_TRUE(short_list.ok()) << short_list.status();
  ASSERT_NE(*short_list, nullptr);
  EXPECT_EQ((*short_list)->block_count(), 1u);  // 128 sealed, 72 in the tail
  EXPECT_EQ((*short_list)->last_docids[0], 128u);
  absl::StatusOr<SharedSealedList> long_list =
      postings.SharedSealedBlocks(snapshot.snapshot, long_key, 300);
  ASSERT_TRUE(long_list.ok()) << long_list.status();
  EXPECT_EQ(*long_list, nullptr);  // the cursor walks it in RocksDB
  EXPECT_EQ(cache.list_count(), 1u);
}

// What a cursor over `term_key` at `snapshot` gives for a walk of random
// Advance, ShallowAdvance and Next moves drawn from `seed`: the block ends it
// reports, and the docid, tf, field length and positions of every posting
// it stops on. With `sibling_seed`, the cursor shares the decoded blocks of
// a second cursor over the same list (both opened from the search's
// records, as a phrase's and a term's are), moved by that seed to a little
// ahead of the walk before each of its moves, decoding a random part of
// its block; without, the cursor reads its term record itself.
std::vector<uint32_t> Walk(const PostingStore& store, const rocksdb::Snapshot* snapshot,
                           const std::string& term_key, uint32_t max_docid, uint32_t seed,
                           std::optional<uint32_t> sibling_seed = std::nullopt) {
  std::vector<uint32_t> seen;
  absl::StatusOr<SearchTermRecords> records =
      SearchTermRecords::Read(store, snapshot, {term_key});
  EXPECT_TRUE(records.ok()) << records.status();
  if (!records.ok()) return seen;
  const SearchTermRecords* read_before = sibling_seed.has_value() ? &*records : nullptr;
  absl::StatusOr<std::unique_ptr<PostingCursor>> cursor =
      PostingCursor::Open(store, snapshot, term_key, read_before);
  absl::StatusOr<std::unique_ptr<PostingCursor>> sibling =
      PostingCursor::Open(store, snapshot, term_key, read_before);
  EXPECT_TRUE(cursor.ok() && sibling.ok()) << cursor.status() << sibling.status();
  if (!cursor.ok() || !sibling.ok()) return seen;
  PostingCursor& walk = **cursor;
  if (sibling_seed.has_value()) walk.ShareDecodedBlocks(sibling->get());
  std::mt19937 random(seed);
  std::mt19937 sibling_random(sibling_seed.value_or(0));
  uint32_t target = 0;
  for (int move = 0; move < 400 && walk.docid() != kEndDocid; ++move) {
    if (sibling_seed.has_value()) {
      PostingCursor& ahead = **sibling;
      ahead.Advance(target + sibling_random() % 40);
      if (ahead.docid() != kEndDocid) {
        if (sibling_random() % 2 == 0) ahead.tf();
        if (sibling_random() % 2 == 0) ahead.field_length();
      }
    }
    switch (random() % 4) {
      case 0:
        walk.Next();
        break;
      case 1:  // a short step, often inside the block
        walk.Advance(target += 1 + random() % 8);
        break;
      case 2:  // a long one, over blocks
        walk.Advance(target += 1 + random() % (max_docid / 8 + 1));
        break;
      default:  // a block-level step, then a posting in that block or after
        target += 1 + random() % (max_docid / 16 + 1);
        seen.push_back(walk.ShallowAdvance(target));
        walk.Advance(target);
        break;
    }
    if (walk.docid() == kEndDocid) break;
    target = std::max(target, walk.docid());
    seen.insert(seen.end(), {walk.docid(), walk.tf(), walk.field_length()});
    const absl::Span<const uint32_t> positions = walk.PositionSpan();
    seen.insert(seen.end(), positions.begin(), positions.end());
  }
  seen.push_back(walk.docid());
  EXPECT_TRUE(walk.status().ok()) << walk.status();
  return seen;
}

void ExpectCachedListsWalkLikeRocksDb(size_t list_bytes) {
  TempDir dir;
  const std::unique_ptr<RocksStore> store = OpenIndexDb(dir);
  ASSERT_NE(store, nullptr);
  rocksdb::DB* db = store->db();
  TermReadCache cache(size_t{1} << 20, list_bytes);
  const PostingStore plain = PostingsOf(*store);
  const PostingStore cached = PostingsOf(*store, &cache);
  std::vector<std::string> keys;
  for (int word = 0; word < 6; ++word) {
    keys.push_back(PostingStore::TermKey(v1::FIELD_BODY, absl::StrCat("w", word)));
  }
  std::vector<std::vector<uint32_t>> live(keys.size());  // each list's docids
  std::mt19937 random(11);
  std::vector<std::unique_ptr<HeldSnapshot>> snapshots;
  uint32_t next_docid = 1;
  size_t walks_from_cache = 0;
  for (int step = 0; step < 600; ++step) {
    if (random() % 3 == 0) {
      // A batch: postings added to a few lists (whole blocks sealed at
      // once), some removed (a sealed block rewritten), with the protocol.
      std::vector<std::string> written;
      rocksdb::WriteBatch batch;
      for (size_t k = 0; k < keys.size(); ++k) {
        if (random() % 2 == 0) continue;
        PostingChanges changes;
        for (int remove = random() % 4; remove > 0 && !live[k].empty(); --remove) {
          const size_t at = random() % live[k].size();
          changes.Remove(live[k][at]);
          live[k].erase(live[k].begin() + at);
        }
        for (int add = random() % 120; add > 0; --add) {
          std::vector<uint32_t> positions = {static_cast<uint32_t>(random() % 5)};
          for (int more = random() % 4; more > 0; --more) {
            positions.push_back(positions.back() + 1 + random() % 30);
          }
          live[k].push_back(next_docid);
          changes.Add(PostingEntry{next_docid, 50 + static_cast<uint32_t>(random() % 900),
                                   std::move(positions)});
          next_docid += 1 + random() % 3;
        }
        ASSERT_TRUE(plain.Apply(&batch, keys[k], changes).ok());
        written.push_back(keys[k]);
      }
      cache.BeginWrite(written);
      // Walks while the write is under way (before and after it lands).
      snapshots.push_back(std::make_unique<HeldSnapshot>(db));
      ASSERT_TRUE(db->Write(rocksdb::WriteOptions(), &batch).ok());
      snapshots.push_back(std::make_unique<HeldSnapshot>(db));
      for (size_t back = 1; back <= 2; ++back) {
        Walk(cached, snapshots[snapshots.size() - back]->snapshot, keys[random() % keys.size()],
             next_docid, random());
      }
      cache.EndWrite(db->GetLatestSequenceNumber(), /*written=*/true);
    } else {
      if (snapshots.empty() || random() % 3 == 0) {
        snapshots.push_back(std::make_unique<HeldSnapshot>(db));
      }
      const size_t pick = random() % 4 == 0 ? random() % snapshots.size()
                                            : snapshots.size() - 1 - random() % std::min<size_t>(
                                                                         3, snapshots.size());
      const rocksdb::Snapshot* snapshot = snapshots[pick]->snapshot;
      const std::string& key = keys[random() % keys.size()];
      walks_from_cache += cache.FindList(key, snapshot->GetSequenceNumber()) != nullptr;
      const uint32_t seed = random();
      SCOPED_TRACE(absl::StrCat("step ", step, ", ", key));
      const std::vector<uint32_t> expected = Walk(plain, snapshot, key, next_docid, seed);
      EXPECT_EQ(Walk(cached, snapshot, key, next_docid, seed), expected);
      EXPECT_EQ(Walk(cached, snapshot, key, next_docid, seed, seed ^ 0x9e3779b9u), expected);
    }
    if (snapshots.size() > 30) snapshots.erase(snapshots.begin());
  }
  EXPECT_GT(walks_from_cache, 10u);  // the lists were really shared
}

TEST(TermReadCacheTest, CachedListsWalkLikeRocksDbAtEverySnapshot) {
  ExpectCachedListsWalkLikeRocksDb(size_t{16} << 20);
  ExpectCachedListsWalkLikeRocksDb(size_t{48} << 10);  // forgotten every few lists
}

}  // namespace
}  // namespace loupe
