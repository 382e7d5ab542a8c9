// A minimal HTTP/1.0 endpoint for Prometheus scrapes: GET /metrics returns
// Metrics().Render(); GET /healthz returns "ok". One thread, one request per
// connection, no keep-alive: scrapes are rare and small, so a full HTTP
// library is not worth its weight here.
//
//   MetricsHttpServer http;
//   LOUPE_RETURN_IF_ERROR(http.Start("0.0.0.0:51051"));
//   ...
//   http.Stop();
#ifndef LOUPE_SERVICES_COMMON_METRICS_HTTP_H_
#define LOUPE_SERVICES_COMMON_METRICS_HTTP_H_

#include <atomic>
#include <string>
#include <thread>

#include "absl/status/status.h"

namespace loupe {

class MetricsHttpServer {
 public:
  MetricsHttpServer() = default;
  ~MetricsHttpServer() { Stop(); }
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // Listens on "host:port" (IPv4 host or 0.0.0.0) and serves in a thread.
  absl::Status Start(const std::string& address);
  // Stops serving and joins the thread; idempotent.
  void Stop();

 private:
  void Serve();
  void Answer(int connection);

  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_METRICS_HTTP_H_
