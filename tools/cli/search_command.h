// `loupe search "QUERY" [--limit N] [--offset N] [--snippet_chars N] [--json]`.
//
// Prints a table (rank, score, id, date, source, title; the snippet on the
// next line, matches in bold on a terminal or in [brackets]) and a footer
// with the total hits, the time taken and the shards that answered, plus a
// WARNING line naming missing shards. --json prints the SearchResponse.
#ifndef LOUPE_TOOLS_CLI_SEARCH_COMMAND_H_
#define LOUPE_TOOLS_CLI_SEARCH_COMMAND_H_

#include <string>
#include <vector>

#include "loupe/v1/query.pb.h"

namespace loupe::cli {

// Returns the process exit code.
int RunSearch(const std::vector<std::string>& args);

// The readable rendering of a response (hits numbered from offset + 1).
std::string FormatSearchResults(const loupe::v1::SearchResponse& response, uint32_t offset,
                                bool ansi);

}  // namespace loupe::cli

#endif  // LOUPE_TOOLS_CLI_SEARCH_COMMAND_H_
