#include "services/common/metrics.h"

#include <unistd.h>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace loupe {
namespace {

constexpr std::array<double, 14> kBucketBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,   0.1,   0.25,   0.5,   1,    2.5,
                                                  5,      10};

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string LabelText(const MetricLabels& labels, absl::string_view extra_name = "",
                      absl::string_view extra_value = "") {
  std::string out;
  for (const auto& [name, value] : labels) {
    absl::StrAppend(&out, out.empty() ? "" : ",", name, "=\"", EscapeLabelValue(value), "\"");
  }
  if (!extra_name.empty()) {
    absl::StrAppend(&out, out.empty() ? "" : ",", extra_name, "=\"", extra_value, "\"");
  }
  return out.empty() ? "" : absl::StrCat("{", out, "}");
}

// Shortest text that reads back as the same double ("0.005", not
// "0.0050000000000000001"); integers without an exponent.
std::string Number(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) {
    return absl::StrFormat("%.0f", value);
  }
  for (int precision = 6; precision < 17; ++precision) {
    std::string text = absl::StrFormat("%.*g", precision, value);
    if (std::strtod(text.c_str(), nullptr) == value) return text;
  }
  return absl::StrFormat("%.17g", value);
}

}  // namespace

MetricsRegistry::Family& MetricsRegistry::FamilyLocked(absl::string_view name,
                                                       absl::string_view help,
                                                       absl::string_view type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family()).first;
    it->second.help = std::string(help);
    it->second.type = std::string(type);
  }
  return it->second;
}

void MetricsRegistry::IncrementCounter(absl::string_view name, absl::string_view help,
                                       const MetricLabels& labels, double delta) {
  absl::MutexLock lock(&mutex_);
  FamilyLocked(name, help, "counter").counters[labels] += delta;
}

void MetricsRegistry::ObserveHistogram(absl::string_view name, absl::string_view help,
                                       const MetricLabels& labels, double value) {
  absl::MutexLock lock(&mutex_);
  Histogram& histogram = FamilyLocked(name, help, "histogram").histograms[labels];
  if (histogram.bucket_counts.empty()) histogram.bucket_counts.assign(kBucketBounds.size(), 0);
  for (size_t i = 0; i < kBucketBounds.size(); ++i) {
    if (value <= kBucketBounds[i]) {
      ++histogram.bucket_counts[i];
      break;
    }
  }
  ++histogram.count;
  histogram.sum += value;
}

void MetricsRegistry::RegisterGauge(absl::string_view name, absl::string_view help,
                                    const MetricLabels& labels, std::function<double()> read) {
  absl::MutexLock lock(&mutex_);
  FamilyLocked(name, help, "gauge").gauges[labels] = std::move(read);
}

void MetricsRegistry::ClearGauges() {
  absl::MutexLock lock(&mutex_);
  for (auto& [name, family] : families_) family.gauges.clear();
}

void MetricsRegistry::RemoveGauges(absl::string_view label_name, absl::string_view label_value) {
  absl::MutexLock lock(&mutex_);
  for (auto& [name, family] : families_) {
    for (auto it = family.gauges.begin(); it != family.gauges.end();) {
      bool owned = false;
      for (const auto& [key, value] : it->first) owned |= key == label_name && value == label_value;
      it = owned ? family.gauges.erase(it) : std::next(it);
    }
  }
}

std::string MetricsRegistry::Render() const {
  // Snapshot under the lock; gauges are read after it is released, since
  // they may take locks of their own.
  struct Snapshot {
    std::string header;
    std::string lines;
    std::vector<std::pair<std::string, std::function<double()>>> gauges;
  };
  std::vector<Snapshot> snapshots;
  {
    absl::MutexLock lock(&mutex_);
    for (const auto& [name, family] : families_) {
      if (family.counters.empty() && family.histograms.empty() && family.gauges.empty()) continue;
      Snapshot& snapshot = snapshots.emplace_back();
      snapshot.header = absl::StrCat("# HELP ", name, " ", family.help, "\n# TYPE ", name, " ",
                                     family.type, "\n");
      for (const auto& [labels, value] : family.counters) {
        absl::StrAppend(&snapshot.lines, name, LabelText(labels), " ", Number(value), "\n");
      }
      for (const auto& [labels, histogram] : family.histograms) {
        uint64_t cumulative = 0;
        for (size_t i = 0; i < kBucketBounds.size(); ++i) {
          cumulative += histogram.bucket_counts[i];
          absl::StrAppend(&snapshot.lines, name, "_bucket",
                          LabelText(labels, "le", Number(kBucketBounds[i])), " ", cumulative,
                          "\n");
        }
        absl::StrAppend(&snapshot.lines, name, "_bucket", LabelText(labels, "le", "+Inf"), " ",
                        histogram.count, "\n", name, "_sum", LabelText(labels), " ",
                        Number(histogram.sum), "\n", name, "_count", LabelText(labels), " ",
                        histogram.count, "\n");
      }
      for (const auto& [labels, read] : family.gauges) {
        snapshot.gauges.emplace_back(absl::StrCat(name, LabelText(labels)), read);
      }
    }
  }
  std::string out;
  for (const Snapshot& snapshot : snapshots) {
    absl::StrAppend(&out, snapshot.header, snapshot.lines);
    for (const auto& [series, read] : snapshot.gauges) {
      absl::StrAppend(&out, series, " ", Number(read()), "\n");
    }
  }
  return out;
}

MetricsRegistry& Metrics() {
  static MetricsRegistry* registry = new MetricsRegistry();
  return *registry;
}

void RegisterProcessMetrics() {
  static const auto started = std::chrono::steady_clock::now();
  Metrics().RegisterGauge("process_resident_memory_bytes", "Resident set size, bytes", {}, [] {
    std::ifstream statm("/proc/self/statm");
    uint64_t size = 0, resident = 0;
    statm >> size >> resident;
    return static_cast<double>(resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)));
  });
  Metrics().RegisterGauge("process_open_fds", "Open file descriptors", {}, [] {
    std::error_code error;
    double count = 0;
    for (auto it = std::filesystem::directory_iterator("/proc/self/fd", error);
         !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
      ++count;
    }
    return count;
  });
  Metrics().RegisterGauge("process_uptime_seconds", "Seconds since the process started", {}, [] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  });
}

}  // namespace loupe
