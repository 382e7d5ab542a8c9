// The smallest useful C++ client of Loupe, built with the project so it never
// rots: ingests one article through IngestService, waits for it to become
// searchable, and prints the hits of a QueryService search.
//
//   build/release/bin/loupe-example-client localhost:50051 localhost:50052
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "loupe/v1/ingest.grpc.pb.h"
#include "loupe/v1/query.grpc.pb.h"

int main(int argc, char** argv) {
  const std::string ingest_address = argc > 1 ? argv[1] : "localhost:50051";
  const std::string query_address = argc > 2 ? argv[2] : "localhost:50052";
  auto ingest = loupe::v1::IngestService::NewStub(
      grpc::CreateChannel(ingest_address, grpc::InsecureChannelCredentials()));
  auto query = loupe::v1::QueryService::NewStub(
      grpc::CreateChannel(query_address, grpc::InsecureChannelCredentials()));

  loupe::v1::IngestRequest request;
  loupe::v1::Document* document = request.add_documents();
  document->set_id("example-cpp-1");
  document->set_title("Deepseek, un « réveil » pour la tech américaine");
  document->set_body("Nvidia a connu une baisse historique de 16,86 % à Wall Street.");
  document->set_source("example");
  loupe::v1::IngestResponse ingested;
  grpc::ClientContext ingest_context;
  ingest_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Status status = ingest->Ingest(&ingest_context, request, &ingested);
  if (!status.ok()) {
    std::cerr << "Ingest failed: " << status.error_code() << " " << status.error_message() << "\n";
    return 1;
  }
  std::cout << "ingested " << ingested.results(0).id() << " version "
            << ingested.results(0).version() << " on shard " << ingested.results(0).shard()
            << "\n";

  loupe::v1::SearchRequest search;
  search.set_query("réveil nvidia");
  search.set_limit(5);
  for (int attempt = 0; attempt < 50; ++attempt) {  // searchable about a second later
    loupe::v1::SearchResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    status = query->Search(&context, search, &response);
    if (!status.ok()) {
      std::cerr << "Search failed: " << status.error_code() << " " << status.error_message()
                << "\n";
      return 1;
    }
    if (response.total_hits() > 0) {
      for (const auto& hit : response.hits()) {
        std::cout << hit.score() << "  " << hit.id() << "  " << hit.title() << "\n    "
                  << hit.snippet() << "\n";
      }
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cerr << "not searchable after 5 s\n";
  return 1;
}
