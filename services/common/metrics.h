// Process metrics in the Prometheus text exposition format (version 0.0.4).
//
// One registry per process (Metrics()); code records counters and histograms
// by name and label values, and registers gauges as callbacks that are read
// at scrape time (backlog, document counts, RocksDB properties).
//
//   Metrics().IncrementCounter("loupe_rpc_total", "RPCs handled",
//                              {{"method", "/loupe.v1.QueryService/Search"}, {"code", "OK"}});
//   Metrics().ObserveHistogram("loupe_rpc_duration_seconds", "RPC latency",
//                              {{"method", m}}, 0.0031);
//   Metrics().RegisterGauge("loupe_ingest_backlog", "Unshipped operations",
//                           {{"shard", "0"}}, [&] { return engine.Backlog(0); });
//   std::string page = Metrics().Render();
#ifndef LOUPE_SERVICES_COMMON_METRICS_H_
#define LOUPE_SERVICES_COMMON_METRICS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace loupe {

// Label name/value pairs, in a fixed order per metric name.
using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class MetricsRegistry {
 public:
  void IncrementCounter(absl::string_view name, absl::string_view help,
                        const MetricLabels& labels, double delta = 1);
  // Latency-style histogram; buckets in seconds from 0.5 ms to 10 s.
  void ObserveHistogram(absl::string_view name, absl::string_view help,
                        const MetricLabels& labels, double value);
  // `read` is called at each scrape, without the registry lock held; it must
  // stay valid until the process exits (or ClearGauges is called).
  void RegisterGauge(absl::string_view name, absl::string_view help, const MetricLabels& labels,
                     std::function<double()> read);
  void ClearGauges();
  // Removes the gauges whose labels include name=value (an owner going away).
  void RemoveGauges(absl::string_view label_name, absl::string_view label_value);

  // The whole registry in Prometheus text format.
  std::string Render() const;

 private:
  struct Histogram {
    std::vector<uint64_t> bucket_counts;  // non-cumulative, one per bound
    uint64_t count = 0;
    double sum = 0;
  };
  struct Family {
    std::string help;
    std::string type;  // counter, histogram, gauge
    std::map<MetricLabels, double> counters;
    std::map<MetricLabels, Histogram> histograms;
    std::map<MetricLabels, std::function<double()>> gauges;
  };

  Family& FamilyLocked(absl::string_view name, absl::string_view help, absl::string_view type)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);

  mutable absl::Mutex mutex_;
  std::map<std::string, Family, std::less<>> families_ ABSL_GUARDED_BY(mutex_);
};

// The process-wide registry.
MetricsRegistry& Metrics();

// Registers process gauges: resident memory, open file descriptors, uptime.
void RegisterProcessMetrics();

}  // namespace loupe

#endif  // LOUPE_SERVICES_COMMON_METRICS_H_
