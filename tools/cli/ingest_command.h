// `loupe ingest FILE [FILE...]`: reads documents (see corpus_reader.h), sends
// them to IngestService in batches (see batch_sender.h), shows progress (see
// progress.h) and prints a summary line on stdout:
//   ingested 5,183 documents (5,183 created, 0 updated, 0 unchanged) in 3.2 s, 1,620 docs/s
// Returns the process exit code (0, 1 on failure, 2 on bad usage).
#ifndef LOUPE_TOOLS_CLI_INGEST_COMMAND_H_
#define LOUPE_TOOLS_CLI_INGEST_COMMAND_H_

#include <string>
#include <vector>

#include "tools/cli/batch_sender.h"

namespace loupe::cli {

int RunIngest(const std::vector<std::string>& files);

// The summary line (without newline).
std::string FormatIngestSummary(const IngestTally& tally, double seconds, int64_t bad_lines);

// Maps a violation's field path "documents[i].rest" of `batch` to
// "<file>:<line>: rest" (unchanged when it names no document of the batch).
std::string DescribeBatchField(absl::string_view field, const IngestBatch* batch,
                               const std::vector<std::string>& files);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_INGEST_COMMAND_H_
