#include "services/common/metrics.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace loupe {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(MetricsTest, RendersCountersHistogramsAndGauges) {
  MetricsRegistry registry;
  registry.IncrementCounter("rpc_total", "RPCs", {{"method", "/a"}, {"code", "OK"}});
  registry.IncrementCounter("rpc_total", "RPCs", {{"method", "/a"}, {"code", "OK"}}, 2);
  registry.ObserveHistogram("latency_seconds", "Latency", {{"method", "/a"}}, 0.003);
  registry.ObserveHistogram("latency_seconds", "Latency", {{"method", "/a"}}, 20);
  double backlog = 7;
  registry.RegisterGauge("backlog", "Backlog", {{"shard", "0"}}, [&] { return backlog; });

  const std::string page = registry.Render();
  EXPECT_THAT(page, HasSubstr("# TYPE rpc_total counter\n"));
  EXPECT_THAT(page, HasSubstr("rpc_total{method=\"/a\",code=\"OK\"} 3\n"));
  EXPECT_THAT(page, HasSubstr("latency_seconds_bucket{method=\"/a\",le=\"0.0025\"} 0\n"));
  EXPECT_THAT(page, HasSubstr("latency_seconds_bucket{method=\"/a\",le=\"0.005\"} 1\n"));
  EXPECT_THAT(page, HasSubstr("latency_seconds_bucket{method=\"/a\",le=\"+Inf\"} 2\n"));
  EXPECT_THAT(page, HasSubstr("latency_seconds_count{method=\"/a\"} 2\n"));
  EXPECT_THAT(page, HasSubstr("backlog{shard=\"0\"} 7\n"));
  backlog = 9;
  EXPECT_THAT(registry.Render(), HasSubstr("backlog{shard=\"0\"} 9\n"));
}

TEST(MetricsTest, EscapesLabelValuesAndRemovesOwnedGauges) {
  MetricsRegistry registry;
  registry.RegisterGauge("size", "Size", {{"db", "a\"b"}}, [] { return 1.0; });
  registry.RegisterGauge("size", "Size", {{"db", "other"}}, [] { return 2.0; });
  EXPECT_THAT(registry.Render(), HasSubstr("size{db=\"a\\\"b\"} 1\n"));
  registry.RemoveGauges("db", "a\"b");
  EXPECT_THAT(registry.Render(), Not(HasSubstr("a\\\"b")));
  EXPECT_THAT(registry.Render(), HasSubstr("size{db=\"other\"} 2\n"));
}

}  // namespace
}  // namespace loupe
