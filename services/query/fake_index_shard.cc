#include "services/query/fake_index_shard.h"

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"

namespace loupe::query {
namespace {

// What the fake shard's Fetch returns for `id`.
loupe::v1::FetchedDocument CannedDocument(const std::string& id) {
  loupe::v1::FetchedDocument document;
  document.set_id(id);
  document.set_title(absl::StrCat("Title of ", id));
  document.set_snippet(absl::StrCat("<mark>", id, "</mark>"));
  document.set_url(absl::StrCat("https://example.com/", id));
  document.set_source("example");
  document.set_lang("en");
  document.mutable_published_at()->set_seconds(1700000000);
  return document;
}

}  // namespace


void FakeIndexShard::Start() {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    std::cerr << "FakeIndexShard: cannot listen on a loopback port" << std::endl;
    std::abort();
  }
}

void FakeIndexShard::Stop() {
  if (!release_.HasBeenNotified()) release_.Notify();
  if (server_ != nullptr) {
    server_->Shutdown(std::chrono::system_clock::now());
    server_->Wait();
    server_.reset();
  }
}

std::string FakeIndexShard::address() const { return absl::StrCat("127.0.0.1:", port_); }

loupe::v1::ShardSearchRequest FakeIndexShard::last_search() const {
  absl::MutexLock lock(&mu_);
  return last_search_;
}

int FakeIndexShard::fetch_calls() const {
  absl::MutexLock lock(&mu_);
  return fetch_calls_;
}

loupe::v1::FetchRequest FakeIndexShard::last_fetch() const {
  absl::MutexLock lock(&mu_);
  return last_fetch_;
}

grpc::Status FakeIndexShard::TermStats(grpc::ServerContext*,
                                       const loupe::v1::TermStatsRequest* request,
                                       loupe::v1::TermStatsResponse* response) {
  Delay();
  response->mutable_collection()->set_document_count(canned_.document_count);
  auto* title = response->mutable_collection()->add_fields();
  title->set_field(loupe::v1::FIELD_TITLE);
  title->set_total_tokens(canned_.title_tokens);
  auto* body = response->mutable_collection()->add_fields();
  body->set_field(loupe::v1::FIELD_BODY);
  body->set_total_tokens(canned_.body_tokens);
  for (const auto& term : request->terms()) {
    auto it = canned_.dfs.find(absl::StrCat(term.field(), "/", term.term()));
    response->add_document_frequencies(it == canned_.dfs.end() ? 0 : it->second);
  }
  return grpc::Status::OK;
}

grpc::Status FakeIndexShard::Search(grpc::ServerContext*,
                                    const loupe::v1::ShardSearchRequest* request,
                                    loupe::v1::ShardSearchResponse* response) {
  Delay();
  {
    absl::MutexLock lock(&mu_);
    last_search_ = *request;
  }
  for (size_t i = 0; i < canned_.hits.size() && i < request->limit(); ++i) {
    auto* hit = response->add_hits();
    hit->set_id(canned_.hits[i].first);
    hit->set_score(canned_.hits[i].second);
    if (request->with_duplicate_clusters()) {
      auto cluster = canned_.clusters.find(hit->id());
      hit->set_duplicate_cluster(cluster == canned_.clusters.end() ? hit->id() : cluster->second);
    }
  }
  for (int f = 0; f < request->facets_size() && !canned_.facets.empty(); ++f) {
    *response->add_facets() = canned_.facets[f % canned_.facets.size()];
  }
  response->set_total_hits(canned_.total_hits);
  response->set_total_hits_is_lower_bound(canned_.total_hits_is_lower_bound);
  if (!canned_.ignores_fetch_top) {
    for (int i = 0; i < response->hits_size() && i < static_cast<int>(request->fetch_top()); ++i) {
      *response->add_documents() = CannedDocument(response->hits(i).id());
    }
  }
  return grpc::Status::OK;
}

grpc::Status FakeIndexShard::Fetch(grpc::ServerContext*, const loupe::v1::FetchRequest* request,
                                   loupe::v1::FetchResponse* response) {
  Delay();
  if (canned_.fetch_error != grpc::StatusCode::OK) {
    return grpc::Status(canned_.fetch_error, "fetch failed on purpose");
  }
  {
    absl::MutexLock lock(&mu_);
    last_fetch_ = *request;
    ++fetch_calls_;
  }
  for (const std::string& id : request->ids()) *response->add_documents() = CannedDocument(id);
  return grpc::Status::OK;
}

grpc::Status FakeIndexShard::Info(grpc::ServerContext*, const loupe::v1::InfoRequest*,
                                  loupe::v1::InfoResponse* response) {
  Delay();
  response->set_shard_id(canned_.shard_id);
  response->set_shard_count(2);
  response->set_applied_sequence(100 + canned_.shard_id);
  response->mutable_stats()->set_document_count(canned_.document_count);
  response->set_disk_bytes(4096);
  return grpc::Status::OK;
}

void FakeIndexShard::Delay() {
  if (canned_.delay > absl::ZeroDuration()) release_.WaitForNotificationWithTimeout(canned_.delay);
}

CannedShard CannedShard0() {
  CannedShard shard;
  shard.shard_id = 0;
  shard.document_count = 100;
  shard.title_tokens = 1000;
  shard.body_tokens = 20000;
  shard.dfs = {{"1/nvidia", 3}, {"2/nvidia", 10}, {"2/chips", 4}};
  shard.hits = {{"a", 3.0}, {"c", 2.0}, {"e", 1.0}};
  shard.total_hits = 12;
  return shard;
}

CannedShard CannedShard1() {
  CannedShard shard;
  shard.shard_id = 1;
  shard.document_count = 50;
  shard.title_tokens = 500;
  shard.body_tokens = 10000;
  shard.dfs = {{"1/nvidia", 1}, {"2/nvidia", 5}, {"2/chips", 2}};
  shard.hits = {{"b", 3.0}, {"d", 2.5}};
  shard.total_hits = 5;
  return shard;
}

}  // namespace loupe::query
