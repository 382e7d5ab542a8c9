#include "services/common/readable_write_batch.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/rocksdb_store.h"
#include "services/common/status_util.h"

namespace loupe {
ReadableWriteBatch::ReadableWriteBatch(
    const std::vector<rocksdb::ColumnFamilyHandle*>& readable_families) {
  for (rocksdb::ColumnFamilyHandle* family : readable_families) {
    readable_[family->GetID()].handle = family;
  }
}

ReadableWriteBatch::Entries* ReadableWriteBatch::Readable(rocksdb::ColumnFamilyHandle* family) {
  auto it = readable_.find(family->GetID());
  return it == readable_.end() ? nullptr : &it->second.entries;
}

absl::StatusOr<const ReadableWriteBatch::Entries*> ReadableWriteBatch::ReadableForRead(
    rocksdb::ColumnFamilyHandle* family) const {
  auto it = readable_.find(family->GetID());
  if (it == readable_.end()) {
    return absl::InternalError(
        absl::StrCat("column family ", family->GetName(), " is not readable in this batch"));
  }
  return &it->second.entries;
}

absl::Status ReadableWriteBatch::Write(rocksdb::DB* db, const rocksdb::WriteOptions& options,
                                       absl::string_view what) {
  for (const auto& [family_id, readable] : readable_) {
    rocksdb::ColumnFamilyHandle* family = readable.handle;
    for (const auto& [key, value] : readable.entries) {
      const rocksdb::Status added = value.has_value()
                                        ? batch_.Put(family, ToSlice(key), ToSlice(*value))
                                        : batch_.Delete(family, ToSlice(key));
      LOUPE_RETURN_IF_ERROR(FromRocksDb(added, absl::StrCat(what, ": add ", family->GetName())));
    }
  }
  readable_.clear();
  return FromRocksDb(db->Write(options, &batch_), what);
}

absl::Status ReadableWriteBatch::Put(rocksdb::ColumnFamilyHandle* family, absl::string_view key,
                                     absl::string_view value) {
  if (Entries* entries = Readable(family)) {
    (*entries)[key] = std::string(value);
    return absl::OkStatus();
  }
  return FromRocksDb(batch_.Put(family, ToSlice(key), ToSlice(value)),
                     absl::StrCat("batch put ", family->GetName()));
}

absl::Status ReadableWriteBatch::Delete(rocksdb::ColumnFamilyHandle* family,
                                        absl::string_view key) {
  if (Entries* entries = Readable(family)) {
    (*entries)[key] = std::nullopt;
    return absl::OkStatus();
  }
  return FromRocksDb(batch_.Delete(family, ToSlice(key)),
                     absl::StrCat("batch delete ", family->GetName()));
}

absl::StatusOr<std::optional<std::string>> ReadableWriteBatch::Get(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* family, absl::string_view key) const {
  absl::StatusOr<const Entries*> entries = ReadableForRead(family);
  if (!entries.ok()) return entries.status();
  auto it = (*entries)->find(key);
  if (it != (*entries)->end()) return it->second;
  std::string value;
  const rocksdb::Status status = db->Get(rocksdb::ReadOptions(), family, ToSlice(key), &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return FromRocksDb(status, absl::StrCat("get ", family->GetName()));
  return std::optional<std::string>(std::move(value));
}

absl::Status ReadableWriteBatch::ScanPrefix(
    rocksdb::Iterator* base, rocksdb::ColumnFamilyHandle* family, absl::string_view prefix,
    absl::FunctionRef<bool(absl::string_view key, absl::string_view value)> visit) const {
  absl::StatusOr<const Entries*> readable = ReadableForRead(family);
  if (!readable.ok()) return readable.status();
  const Entries& entries = **readable;
  auto pending = entries.lower_bound(prefix);
  base->Seek(ToSlice(prefix));
  while (true) {
    const bool in_base = base->Valid() && base->key().starts_with(ToSlice(prefix));
    const bool in_batch = pending != entries.end() && absl::StartsWith(pending->first, prefix);
    if (!in_base && !in_batch) break;
    // The smaller key goes first; on a tie the batch's entry replaces the
    // stored one.
    const int order = !in_base    ? 1
                      : !in_batch ? -1
                                  : ToStringView(base->key()).compare(pending->first);
    if (order < 0) {
      if (!visit(ToStringView(base->key()), ToStringView(base->value()))) return absl::OkStatus();
      base->Next();
      continue;
    }
    if (pending->second.has_value() && !visit(pending->first, *pending->second)) {
      return absl::OkStatus();
    }
    if (order == 0) base->Next();
    ++pending;
  }
  return FromRocksDb(base->status(), absl::StrCat("scan ", family->GetName()));
}

}  // namespace loupe
