#include "tools/cli/ingest_command.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "services/common/status_util.h"
#include "tools/cli/cli_flags.h"
#include "tools/cli/connection.h"
#include "tools/cli/corpus_reader.h"
#include "tools/cli/output_format.h"
#include "tools/cli/parallel_sender.h"
#include "tools/cli/progress.h"
#include "tools/cli/rpc_errors.h"
#include "tools/cli/stream_sender.h"

namespace loupe::cli {
namespace {

constexpr int kMaxBatchDocuments = 1000;  // IngestRequest limit
constexpr int kMaxPrintedWarnings = 20;

int UsageError(absl::string_view message) {
  std::cerr << "loupe: ingest: " << message << "\nRun 'loupe --help' for usage." << std::endl;
  return kExitUsage;
}

// Prints reader warnings, the first kMaxPrintedWarnings of them.
class WarningPrinter {
 public:
  explicit WarningPrinter(ProgressReporter* progress) : progress_(progress) {}
  void Print(const std::vector<std::string>& warnings) {
    for (const std::string& warning : warnings) {
      ++count_;
      if (count_ <= kMaxPrintedWarnings) {
        progress_->Print(absl::StrCat("loupe: warning: ", warning));
      } else if (count_ == kMaxPrintedWarnings + 1) {
        progress_->Print("loupe: warning: more warnings follow; not shown");
      }
    }
  }
  int64_t count() const { return count_; }

 private:
  ProgressReporter* progress_;
  int64_t count_ = 0;
};

}  // namespace

std::string FormatIngestSummary(const IngestTally& tally, double seconds, int64_t bad_lines) {
  const auto plural = [](int64_t count, absl::string_view noun) {
    return absl::StrCat(FormatCount(count), " ", noun, count == 1 ? "" : "s");
  };
  std::string line = absl::StrCat("ingested ", plural(tally.acknowledged(), "document"), " (",
                                  FormatCount(tally.created), " created, ",
                                  FormatCount(tally.updated), " updated, ",
                                  FormatCount(tally.unchanged), " unchanged");
  if (tally.committed_without_outcome > 0) {
    absl::StrAppend(&line, ", ", FormatCount(tally.committed_without_outcome),
                    " committed before a retry");
  }
  absl::StrAppend(&line, ") in ", absl::StrFormat("%.1f", seconds), " s, ",
                  FormatCount(seconds > 0 ? static_cast<int64_t>(tally.acknowledged() / seconds)
                                          : 0),
                  " docs/s");
  if (bad_lines > 0) absl::StrAppend(&line, "; skipped ", plural(bad_lines, "bad line"));
  if (tally.retries > 0) {
    absl::StrAppend(&line, "; ", tally.retries, tally.retries == 1 ? " retry" : " retries");
  }
  return line;
}

std::string DescribeBatchField(absl::string_view field, const IngestBatch* batch,
                               const std::vector<std::string>& files) {
  constexpr absl::string_view kPrefix = "documents[";
  if (batch == nullptr || !absl::StartsWith(field, kPrefix)) return std::string(field);
  const size_t close = field.find(']');
  size_t index = 0;
  if (close == absl::string_view::npos ||
      !absl::SimpleAtoi(field.substr(kPrefix.size(), close - kPrefix.size()), &index) ||
      index >= batch->origins.size()) {
    return std::string(field);
  }
  const DocumentOrigin& origin = batch->origins[index];
  absl::string_view rest = field.substr(close + 1);
  if (absl::StartsWith(rest, ".")) rest.remove_prefix(1);
  const std::string& file = origin.file_index < files.size() ? files[origin.file_index] : "?";
  return absl::StrCat(file, ":", origin.line, ": ", rest.empty() ? "document" : rest);
}

int RunIngest(const std::vector<std::string>& files) {
  if (files.empty()) return UsageError("no FILE given");
  const int batch_size = absl::GetFlag(FLAGS_batch_size);
  if (batch_size < 1 || batch_size > kMaxBatchDocuments) {
    return UsageError(absl::StrCat("--batch_size must be 1-", kMaxBatchDocuments));
  }
  const int64_t batch_bytes = absl::GetFlag(FLAGS_batch_bytes);
  if (batch_bytes < 1) return UsageError("--batch_bytes must be positive");
  const int parallel = absl::GetFlag(FLAGS_parallel);
  if (parallel < 0 || parallel > 64) return UsageError("--parallel must be 0-64");
  const std::string single_id = absl::GetFlag(FLAGS_id);
  if (!single_id.empty() &&
      (files.size() != 1 || FormatForPath(files[0]) == CorpusFormat::kJsonLines)) {
    return UsageError("--id applies to a single .txt/.html file only");
  }

  // Open every file first, so that a typo fails before anything is sent.
  CorpusReader::Options reader_options;
  reader_options.skip_bad_lines = absl::GetFlag(FLAGS_skip_bad_lines);
  reader_options.single_document_id = single_id;
  std::vector<std::unique_ptr<CorpusReader>> readers;
  uint64_t total_bytes = 0;
  for (const std::string& file : files) {
    absl::StatusOr<std::unique_ptr<CorpusReader>> reader = CorpusReader::Open(file, reader_options);
    if (!reader.ok()) {
      std::cerr << "loupe: ingest: cannot open " << reader.status().message() << std::endl;
      return kExitFailure;
    }
    total_bytes += (*reader)->file_size();
    readers.push_back(*std::move(reader));
  }

  const std::string address = absl::GetFlag(FLAGS_ingest);
  auto stub = loupe::v1::IngestService::NewStub(MakeChannel(address));
  ProgressReporter progress(stderr, isatty(fileno(stderr)) != 0, total_bytes);
  const NoticeFunction notice = [&progress](absl::string_view line) { progress.Print(line); };
  std::unique_ptr<BatchSender> sender_holder;
  if (parallel > 0) {
    ParallelSender::Options options;
    options.parallel = parallel;
    options.timeout_ms = TimeoutMs(kDefaultIngestTimeoutMs);
    options.max_retries = absl::GetFlag(FLAGS_max_retries);
    sender_holder = std::make_unique<ParallelSender>(stub.get(), options, notice);
  } else {
    StreamSender::Options options;
    options.stall_timeout_ms = TimeoutMs(kDefaultIngestTimeoutMs);
    options.max_retries = absl::GetFlag(FLAGS_max_retries);
    sender_holder = std::make_unique<StreamSender>(stub.get(), options, notice);
  }
  BatchSender& sender = *sender_holder;
  WarningPrinter warnings(&progress);
  const absl::Time start = absl::Now();
  progress.Start();

  // Reports a failed RPC (mapping fields to file:line) and what got in before it.
  auto fail_rpc = [&](const grpc::Status& status) {
    progress.Stop();
    PrintRpcError(absl::StrCat("ingest to ", address), status,
                  [&](absl::string_view field) {
                    return DescribeBatchField(field, sender.failed_batch(), files);
                  });
    if (sender.tally().acknowledged() > 0) {
      std::cerr << "loupe: " << FormatCount(sender.tally().acknowledged())
                << " documents were acknowledged before the error" << std::endl;
    }
    return kExitFailure;
  };

  IngestBatch batch;
  uint64_t bytes_before_file = 0;
  int64_t bad_lines = 0;
  absl::Status read_error;
  auto send_batch = [&]() -> grpc::Status {
    if (batch.request.documents_size() == 0) return grpc::Status::OK;
    const int count = batch.request.documents_size();
    grpc::Status status = sender.Send(std::move(batch));
    batch = IngestBatch();
    if (status.ok()) progress.AddDocuments(count);
    return status;
  };

  for (size_t file_index = 0; file_index < readers.size() && read_error.ok(); ++file_index) {
    CorpusReader& reader = *readers[file_index];
    CorpusRecord record;
    while (true) {
      absl::StatusOr<bool> more = reader.Next(&record);
      warnings.Print(reader.TakeWarnings());
      progress.SetBytesRead(bytes_before_file + reader.file_bytes_read());
      if (!more.ok()) {
        read_error = more.status();
        break;
      }
      if (!*more) break;
      batch.bytes += record.document.ByteSizeLong();
      *batch.request.add_documents() = std::move(record.document);
      batch.origins.push_back({static_cast<uint32_t>(file_index), record.line});
      if (batch.request.documents_size() >= batch_size ||
          batch.bytes >= static_cast<uint64_t>(batch_bytes)) {
        if (grpc::Status status = send_batch(); !status.ok()) return fail_rpc(status);
      }
    }
    bad_lines += reader.bad_lines();
    bytes_before_file += reader.file_size();
  }
  // What was read before a bad line still goes in, so that the summary is exact.
  if (grpc::Status status = send_batch(); !status.ok()) return fail_rpc(status);
  if (grpc::Status status = sender.Flush(); !status.ok()) return fail_rpc(status);
  progress.Stop();

  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (!read_error.ok()) {
    std::cerr << "loupe: ingest: " << read_error.message() << std::endl;
    if (sender.tally().acknowledged() > 0) {
      std::cerr << "loupe: the documents before it were ingested: "
                << FormatIngestSummary(sender.tally(), seconds, bad_lines) << std::endl;
    }
    return kExitFailure;
  }
  std::cout << FormatIngestSummary(sender.tally(), seconds, bad_lines) << std::endl;
  return kExitOk;
}

}  // namespace loupe::cli
