#include "tools/bench/cluster_bench.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "loupe/v1/ingest.grpc.pb.h"
#include "loupe/v1/query.grpc.pb.h"
#include "services/common/log.h"
#include "services/common/status_util.h"
#include "tools/bench/query_throughput.h"
#include "tools/cli/connection.h"
#include "tools/cli/parallel_sender.h"
#include "tools/eval/query_text.h"

namespace loupe::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

struct IngestFigures {
  double seconds = 0;
  cli::IngestTally tally;
};

absl::StatusOr<IngestFigures> IngestCorpus(v1::IngestService::Stub* stub,
                                           const BenchCorpus& corpus,
                                           const ClusterBenchOptions& options) {
  cli::ParallelSender sender(
      stub, {.parallel = options.parallel, .timeout_ms = options.timeout_ms},
      [](absl::string_view notice) { LogWarning(notice); });
  const Clock::time_point start = Clock::now();
  for (size_t first = 0; first < corpus.documents.size(); first += options.batch_documents) {
    cli::IngestBatch batch;
    const size_t end = std::min(corpus.documents.size(), first + options.batch_documents);
    for (size_t i = first; i < end; ++i) {
      v1::Document* document = batch.request.add_documents();
      *document = corpus.documents[i];
      document->clear_version();  // the server assigns versions
      batch.origins.push_back({0, static_cast<int64_t>(i + 1)});
    }
    batch.bytes = batch.request.ByteSizeLong();
    grpc::Status sent = sender.Send(std::move(batch));
    if (!sent.ok()) return FromGrpc(sent, "ingest");
  }
  grpc::Status flushed = sender.Flush();
  if (!flushed.ok()) return FromGrpc(flushed, "ingest");
  return IngestFigures{std::chrono::duration<double>(Clock::now() - start).count(),
                       sender.tally()};
}

absl::StatusOr<std::vector<eval::ScoredDoc>> ClusterSearch(v1::QueryService::Stub* stub,
                                                           const std::string& query_text,
                                                           uint32_t limit, int64_t timeout_ms) {
  v1::SearchRequest request;
  request.set_query(query_text);
  request.set_limit(limit);
  v1::SearchResponse response;
  std::unique_ptr<grpc::ClientContext> context = cli::ContextWithTimeout(timeout_ms);
  grpc::Status status = stub->Search(context.get(), request, &response);
  std::vector<eval::ScoredDoc> hits;
  if (!status.ok()) {
    // As for a user: a query with nothing searchable finds nothing.
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
        absl::StrContains(status.error_message(), "no searchable term")) {
      return hits;
    }
    return FromGrpc(status, "search");
  }
  if (response.missing_shards_size() > 0) {
    return absl::UnavailableError("search: partial answer (a shard is missing)");
  }
  hits.reserve(response.hits_size());
  for (const v1::Hit& hit : response.hits()) hits.push_back({hit.id(), hit.score()});
  return hits;
}

// A lower-case word no corpus holds, so that only the probe document matches.
std::string UniqueWord(std::mt19937_64& random) {
  std::string word = "zqxbench";
  for (int i = 0; i < 12; ++i) word.push_back(static_cast<char>('a' + random() % 26));
  return word;
}

// Milliseconds from the durable ack of one new document to its first
// appearance in Search, `samples` times.
absl::StatusOr<std::vector<double>> AckToSearchable(v1::IngestService::Stub* ingest,
                                                    v1::QueryService::Stub* query,
                                                    const ClusterBenchOptions& options) {
  std::mt19937_64 random(static_cast<uint64_t>(getpid()) ^
                         static_cast<uint64_t>(Clock::now().time_since_epoch().count()));
  std::vector<double> samples;
  for (int i = 0; i < options.visibility_samples; ++i) {
    const std::string word = UniqueWord(random);
    v1::IngestRequest request;
    v1::Document* document = request.add_documents();
    document->set_id(absl::StrCat("loupe-bench-probe-", word));
    document->set_title(absl::StrCat("Benchmark probe ", word));
    document->set_body(absl::StrCat("A probe document for ack-to-searchable latency: ", word));
    document->set_lang("en");
    v1::IngestResponse response;
    std::unique_ptr<grpc::ClientContext> context = cli::ContextWithTimeout(options.timeout_ms);
    grpc::Status status = ingest->Ingest(context.get(), request, &response);
    if (!status.ok()) return FromGrpc(status, "ingest probe");
    const Clock::time_point acked = Clock::now();
    const Clock::time_point give_up = acked + std::chrono::milliseconds(options.timeout_ms);
    while (true) {
      absl::StatusOr<std::vector<eval::ScoredDoc>> hits =
          ClusterSearch(query, word, 1, options.timeout_ms);
      if (!hits.ok()) return hits.status();
      if (!hits->empty()) break;
      if (Clock::now() > give_up) {
        return absl::DeadlineExceededError(
            absl::StrCat("probe ", document->id(), " not searchable ", options.timeout_ms,
                         " ms after its ack"));
      }
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    samples.push_back(Ms(Clock::now() - acked));
  }
  return samples;
}

}  // namespace

// Polls IngestService.Status until every shard has applied everything
// ingest shipped to it (no backlog left); false after `timeout`.
absl::StatusOr<bool> WaitUntilApplied(v1::IngestService::Stub* ingest, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    v1::IngestStatusResponse status;
    grpc::Status rpc = ingest->Status(&context, v1::IngestStatusRequest(), &status);
    if (!rpc.ok()) return FromGrpc(rpc, "IngestService.Status");
    bool applied = status.shards_size() > 0;
    for (const v1::ShardShippingStatus& shard : status.shards()) {
      applied = applied && shard.backlog() == 0 && shard.applied_sequence() >= shard.last_sequence();
    }
    if (applied) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

absl::StatusOr<BenchResult> RunClusterBench(const BenchCorpus& corpus,
                                            const ClusterBenchOptions& options) {
  auto ingest = v1::IngestService::NewStub(cli::MakeChannel(options.ingest_address));
  auto query = v1::QueryService::NewStub(cli::MakeChannel(options.query_address));

  BenchResult result;
  result.engine = "loupe-cluster";
  result.version = "loupe (gRPC: IngestService + QueryService)";
  result.corpus = corpus.name;
  result.docs = static_cast<int64_t>(corpus.documents.size());
  result.text_bytes = corpus.text_bytes;
  result.queries = static_cast<int64_t>(corpus.queries.size());

  absl::StatusOr<IngestFigures> ingested = IngestCorpus(ingest.get(), corpus, options);
  if (!ingested.ok()) return ingested.status();
  result.index_s = ingested->seconds;
  const Clock::time_point acked = Clock::now();
  // End to end: until every shard has applied every acknowledged document
  // (searchable), so that queries are not timed against a busy cluster.
  absl::StatusOr<bool> applied = WaitUntilApplied(ingest.get(), absl::Minutes(60));
  if (!applied.ok()) return applied.status();
  if (!*applied) return absl::DeadlineExceededError("shards did not apply the corpus in 60 min");
  result.index_wall_s =
      ingested->seconds + std::chrono::duration<double>(Clock::now() - acked).count();
  result.extra.emplace_back("applied_docs_per_s",
                            static_cast<double>(corpus.documents.size()) / result.index_wall_s);
  if (ingested->tally.unchanged > 0) {
    LogWarning(absl::StrCat(ingested->tally.unchanged,
                            " documents were already stored (UNCHANGED): the ingest figures "
                            "do not measure writes; use an empty cluster"));
  }

  if (!corpus.queries.empty()) {
    SearchFunction search = [&](const std::string& text, QueryMode mode,
                                uint32_t k) -> absl::StatusOr<std::vector<eval::ScoredDoc>> {
      std::string words = eval::ToBagOfWords(text);
      if (words.empty()) return std::vector<eval::ScoredDoc>{};
      if (mode == QueryMode::kAnd) {
        words = absl::StrCat("+", absl::StrJoin(absl::StrSplit(words, ' '), " +"));
      }
      return ClusterSearch(query.get(), words, k, options.timeout_ms);
    };
    for (QueryMode mode : {QueryMode::kOr, QueryMode::kAnd}) {
      if (!options.timing.Runs(mode)) continue;
      absl::StatusOr<ModeFigures> figures =
          TimeQueries(corpus.queries, search, mode, options.timing, corpus.qrels);
      if (!figures.ok()) return figures.status();
      (mode == QueryMode::kOr ? result.or_mode : result.and_mode) = *std::move(figures);
      if (options.query_clients > 0) {
        const int passes = AutoPasses(corpus.queries.size(), kMinAutoQueries);
        absl::StatusOr<ThroughputFigures> load = TimeThroughput(
            corpus.queries, search, mode, options.query_clients, passes, options.timing.top_k);
        if (!load.ok()) return load.status();
        const std::string prefix = absl::StrCat(QueryModeName(mode), "_clients_");
        result.extra.emplace_back(prefix + "qps", load->qps);
        result.extra.emplace_back(prefix + "p50_ms", load->p50_ms);
        result.extra.emplace_back(prefix + "p99_ms", load->p99_ms);
      }
    }
    if (options.query_clients > 0) {
      result.extra.emplace_back("query_clients", static_cast<double>(options.query_clients));
    }
  }

  if (options.visibility_samples > 0) {
    absl::StatusOr<std::vector<double>> samples =
        AckToSearchable(ingest.get(), query.get(), options);
    if (!samples.ok()) return samples.status();
    std::sort(samples->begin(), samples->end());
    result.extra.emplace_back("ack_to_searchable_p50_ms", NearestRank(*samples, 0.50));
    result.extra.emplace_back("ack_to_searchable_p95_ms", NearestRank(*samples, 0.95));
  }
  result.extra.emplace_back("created_docs", static_cast<double>(ingested->tally.created));
  result.extra.emplace_back("unchanged_docs", static_cast<double>(ingested->tally.unchanged));
  return result;
}

}  // namespace loupe::bench
