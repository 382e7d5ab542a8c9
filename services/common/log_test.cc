#include "services/common/log.h"

#include "gtest/gtest.h"

namespace loupe {
namespace {

const absl::Time kTime = absl::FromUnixMillis(1764363000123);  // 2025-11-28T20:50:00.123Z

TEST(LogTest, TextLinesAreOneLine) {
  EXPECT_EQ(FormatLogLine('I', "loupe-index", "applied\nbatch", false, kTime),
            "2025-11-28T20:50:00.123Z I loupe-index applied\\nbatch\n");
}

TEST(LogTest, JsonLinesEscapeEverything) {
  EXPECT_EQ(FormatLogLine('W', "loupe-query", "rpc \"x\" \\ \x01 é", true, kTime),
            "{\"ts\":\"2025-11-28T20:50:00.123Z\",\"level\":\"warning\",\"program\":"
            "\"loupe-query\",\"msg\":\"rpc \\\"x\\\" \\\\ \\u0001 é\"}\n");
}

}  // namespace
}  // namespace loupe
