// Test-only: a tiny in-process IndexService on a loopback port that returns
// canned TermStats / Search / Fetch / Info answers, to unit-test the
// scatter-gather and the gRPC edge of loupe-query without a real shard.
//
//   FakeIndexShard shard(CannedShard0());
//   shard.Start();
//   QueryEngine engine({shard.address()}, {});
#ifndef LOUPE_SERVICES_QUERY_FAKE_INDEX_SHARD_H_
#define LOUPE_SERVICES_QUERY_FAKE_INDEX_SHARD_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "loupe/v1/index.grpc.pb.h"

namespace loupe::query {

struct CannedShard {
  uint32_t shard_id = 0;
  uint64_t document_count = 0;
  uint64_t title_tokens = 0;
  uint64_t body_tokens = 0;
  // "field/term" -> document frequency.
  std::map<std::string, uint64_t> dfs;
  std::vector<std::pair<std::string, double>> hits;  // best first
  uint64_t total_hits = 0;
  bool total_hits_is_lower_bound = false;
  // Every call waits this long first (to play a hung shard).
  absl::Duration delay = absl::ZeroDuration();
  // id -> duplicate cluster, sent when the request asks for clusters.
  std::map<std::string, std::string> clusters;
  // Answer to any facet request (one result per requested facet, cycled).
  std::vector<loupe::v1::ShardFacetResult> facets;
  // When not OK, Fetch fails with this code (a shard lost after Search).
  grpc::StatusCode fetch_error = grpc::StatusCode::OK;
  // Ignore ShardSearchRequest.fetch_top (a shard from before it existed).
  bool ignores_fetch_top = false;
};

class FakeIndexShard final : public loupe::v1::IndexService::Service {
 public:
  explicit FakeIndexShard(CannedShard canned) : canned_(std::move(canned)) {}
  ~FakeIndexShard() override { Stop(); }

  // Listens on a free loopback port; aborts when it cannot.
  void Start();
  // Stops serving (the port then refuses connections); releases delayed calls.
  void Stop();

  std::string address() const;

  // The last Search / Fetch request received (empty before any).
  loupe::v1::ShardSearchRequest last_search() const;
  loupe::v1::FetchRequest last_fetch() const;
  // Fetch calls received.
  int fetch_calls() const;

  grpc::Status TermStats(grpc::ServerContext*, const loupe::v1::TermStatsRequest* request,
                         loupe::v1::TermStatsResponse* response) override;
  grpc::Status Search(grpc::ServerContext*, const loupe::v1::ShardSearchRequest* request,
                      loupe::v1::ShardSearchResponse* response) override;
  grpc::Status Fetch(grpc::ServerContext*, const loupe::v1::FetchRequest* request,
                     loupe::v1::FetchResponse* response) override;
  grpc::Status Info(grpc::ServerContext*, const loupe::v1::InfoRequest*,
                    loupe::v1::InfoResponse* response) override;

 private:
  void Delay();

  CannedShard canned_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  absl::Notification release_;
  mutable absl::Mutex mu_;
  loupe::v1::ShardSearchRequest last_search_;
  loupe::v1::FetchRequest last_fetch_;
  int fetch_calls_ = 0;
};

// Shard 0 of 2: 100 documents; hits a(3) c(2) e(1); 12 matches.
CannedShard CannedShard0();
// Shard 1 of 2: 50 documents; hits b(3) d(2.5); 5 matches.
CannedShard CannedShard1();

}  // namespace loupe::query

#endif  // LOUPE_SERVICES_QUERY_FAKE_INDEX_SHARD_H_
