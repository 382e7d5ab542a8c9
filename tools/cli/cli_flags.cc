#include "tools/cli/cli_flags.h"

#include <iostream>
#include <set>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "services/common/flags.h"

ABSL_FLAG(std::string, ingest, "localhost:50051", "IngestService address (host:port)");
ABSL_FLAG(std::string, query, "localhost:50052", "QueryService address (host:port)");
ABSL_FLAG(int64_t, timeout_ms, 0,
          "Deadline per call in ms; for ingest streams, the longest time without progress. "
          "0: 10000 for ingest calls, 5000 for the others");
ABSL_FLAG(std::string, api_key, "",
          "API key sent as 'authorization: Bearer KEY' (better from LOUPE_API_KEY than the "
          "command line, which other users can see)");
ABSL_FLAG(int32_t, batch_size, 500, "ingest: documents per batch (1-1000)");
ABSL_FLAG(int64_t, batch_bytes, 8 << 20,
          "ingest: a batch is also cut when its documents reach this many bytes");
ABSL_FLAG(bool, skip_bad_lines, false,
          "ingest: skip lines that are not valid JSON objects (counted) instead of failing");
ABSL_FLAG(int32_t, parallel, 2,
          "ingest: N > 0 keeps N unary Ingest calls in flight (measured 20-40% faster than one "
          "stream); 0 sends every batch in order on one IngestStream");
ABSL_FLAG(std::string, id, "",
          "ingest: id of the document when ingesting a single .txt/.html file");
ABSL_FLAG(int32_t, max_retries, 10,
          "ingest: retries of a batch refused with RESOURCE_EXHAUSTED (backoff 0.5 s doubling, "
          "at most 30 s)");
ABSL_FLAG(int32_t, limit, 10, "search: hits to return (1-1000)");
ABSL_FLAG(int32_t, offset, 0, "search: hits to skip");
ABSL_FLAG(int32_t, snippet_chars, 0, "search: snippet length in characters (0: server default)");
ABSL_FLAG(bool, json, false, "search, get: print the response as JSON");

namespace loupe::cli {
namespace {

const std::set<std::string>& Commands() {
  static const auto* commands =
      new std::set<std::string>{"ingest", "search", "get", "delete", "status", "backup", "help"};
  return *commands;
}

void UsageError(const std::string& message) {
  std::cerr << "loupe: " << message << "\nRun 'loupe --help' for usage." << std::endl;
}

}  // namespace

const char* UsageText() {
  return R"(loupe: command-line client of a Loupe search cluster

Usage:
  loupe ingest FILE [FILE...]     send documents (JSON Lines, .jsonl.gz, or one .txt/.html file each)
  loupe search "QUERY"            ranked search; --limit N --offset N --snippet_chars N --json
  loupe get ID                    the stored document; --json
  loupe delete ID [ID...]         delete documents
  loupe status                    health and state of ingest, the query service and the shards
  loupe backup DIR                consistent checkpoints of every service into the new folder DIR
                                  (on the servers' disks, inside their --backup_root) + manifest.json;
                                  --index_addresses=H:P,... when the shards are not reachable at the
                                  addresses the query service uses; --timeout_ms (default 120000)

Global flags (each also read from LOUPE_<FLAG>, e.g. LOUPE_INGEST):
  --ingest=HOST:PORT    IngestService (default localhost:50051)
  --query=HOST:PORT     QueryService (default localhost:50052)
  --timeout_ms=N        deadline per call (default 10000 for ingest, 5000 otherwise)
  --api_key=KEY         API key of a cluster that requires one (prefer LOUPE_API_KEY=KEY)
  --tls                 connect with TLS, trusting the system's root certificates
  --tls_ca=FILE         connect with TLS, trusting this CA bundle (PEM)
  --tls_cert=FILE --tls_key=FILE   client certificate, when the server requires one
  --tls_server_name=NAME           name expected in the server's certificate

Ingest flags:
  --batch_size=N        documents per batch (default 500)
  --batch_bytes=N       cut a batch at this many bytes (default 8 MiB)
  --skip_bad_lines      skip and count invalid JSON lines instead of stopping
  --parallel=N          unary Ingest calls in flight (default 2); 0: one ordered IngestStream
  --id=ID               id of a single .txt/.html document (default: derived by the server)
  --max_retries=N       retries when the cluster is full (RESOURCE_EXHAUSTED), default 10

JSON Lines objects: "id", "title", "text" (or "body"), optional "url", "source", "lang",
"date" (ISO-8601 or YYYY-MM-DD), "content_type", "tags" (object of strings); other short
string fields become tags.

Exit status: 0 success, 1 an operation failed, 2 bad usage.
)";
}

bool ParseCliArgs(int argc, char** argv, CliArgs* args) {
  // Pass 1: find the command and separate flag tokens from positional ones,
  // so that queries like "-draft" are not mistaken for flags.
  std::vector<char*> flag_argv = {argv[0]};
  bool flags_ended = false;
  for (int i = 1; i < argc; ++i) {
    absl::string_view token = argv[i];
    if (flags_ended) {
      args->positional.emplace_back(token);
      continue;
    }
    if (token == "--") {
      flags_ended = true;
      continue;
    }
    if (token == "--help" || token == "-h" || token == "-help" || token == "--helpfull") {
      args->command = "help";
      return true;
    }
    if (token.size() > 1 && token[0] == '-') {
      absl::string_view name = token.substr(token[1] == '-' ? 2 : 1);
      const size_t equals = name.find('=');
      const bool has_value = equals != absl::string_view::npos;
      if (has_value) name = name.substr(0, equals);
      const absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
      bool negated_bool = false;
      if (flag == nullptr && absl::StartsWith(name, "no") && !has_value) {
        flag = absl::FindCommandLineFlag(name.substr(2));
        negated_bool = flag != nullptr && flag->IsOfType<bool>();
        if (!negated_bool) flag = nullptr;
      }
      if (flag == nullptr) {
        if (args->command == "search" && token[1] != '-') {  // "-term" excludes a term
          args->positional.emplace_back(token);
          continue;
        }
        UsageError("unknown flag " + std::string(token));
        return false;
      }
      flag_argv.push_back(argv[i]);
      if (!has_value && !negated_bool && !flag->IsOfType<bool>()) {
        if (i + 1 >= argc) {
          UsageError("missing value for flag " + std::string(token));
          return false;
        }
        flag_argv.push_back(argv[++i]);
      }
      continue;
    }
    if (args->command.empty()) {
      args->command = std::string(token);
      if (Commands().count(args->command) == 0) {
        UsageError("unknown command '" + args->command + "'");
        return false;
      }
    } else {
      args->positional.emplace_back(token);
    }
  }
  // Pass 2: check every value ourselves, so that a bad one is a usage error
  // (exit 2) rather than absl's exit 1, then parse for real (environment first).
  for (size_t i = 1; i < flag_argv.size(); ++i) {
    absl::string_view token = flag_argv[i];
    absl::string_view name = token.substr(token[1] == '-' ? 2 : 1);
    std::string value;
    const size_t equals = name.find('=');
    if (equals != absl::string_view::npos) {
      value = std::string(name.substr(equals + 1));
      name = name.substr(0, equals);
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) continue;  // --noFLAG for a bool
    if (equals == absl::string_view::npos) {
      if (flag->IsOfType<bool>()) continue;
      value = flag_argv[++i];
    }
    const std::string saved = flag->CurrentValue();
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      UsageError("invalid value '" + value + "' for --" + std::string(name) + ": " + error);
      return false;
    }
    flag->ParseFrom(saved, &error);
  }
  loupe::ParseFlags(static_cast<int>(flag_argv.size()), flag_argv.data(), UsageText());
  if (args->command.empty()) {
    UsageError("missing command");
    return false;
  }
  return true;
}

int64_t TimeoutMs(int64_t default_ms) {
  const int64_t configured = absl::GetFlag(FLAGS_timeout_ms);
  return configured > 0 ? configured : default_ms;
}

}  // namespace loupe::cli
