#include "quality/column_profile.h"

#include <gtest/gtest.h>

#include "quality/data_checks.h"

namespace sluice {
namespace {

Schema ProfileSchema() {
  return Schema({{"id", DataType::kInt64}, {"fare", DataType::kFloat64}, {"kind", DataType::kString}});
}

RecordBatch Rows(int first, int count) {
  RecordBatch batch;
  batch.schema = ProfileSchema();
  batch.columns = {Column(DataType::kInt64), Column(DataType::kFloat64), Column(DataType::kString)};
  static const char* kKinds[] = {"card", "cash", "card", "card"};
  for (int row = first; row < first + count; ++row) {
    batch.columns[0].AppendInt(row);
    if (row % 50 == 0) {
      batch.columns[1].AppendNull();
    } else {
      batch.columns[1].AppendDouble(row % 100);
    }
    batch.columns[2].AppendString(kKinds[row % 4]);
    batch.lines.push_back(row + 2);
  }
  return batch;
}

nlohmann::json Profile() {
  TableProfiler profiler(ProfileSchema(), {{"id", "a row index: unique, increasing integers"}});
  profiler.Observe(1, Rows(500, 500));
  profiler.Observe(0, Rows(0, 500));
  return profiler.Finish();
}

TEST(ColumnProfile, NullsDistinctQuantilesTopValuesAndKeys) {
  auto profile = Profile();
  ASSERT_EQ(profile.size(), 3u);
  const auto& id = profile[0];
  EXPECT_EQ(id["rows"], 1000);
  EXPECT_EQ(id["distinct"], 1000);
  EXPECT_EQ(id["min"], "0");
  EXPECT_EQ(id["max"], "999");
  EXPECT_EQ(id["key"], "a row index: unique, increasing integers");
  EXPECT_TRUE(id["top"].empty());  // nothing repeats
  const auto& fare = profile[1];
  EXPECT_EQ(fare["nulls"], 20);
  EXPECT_EQ(fare["distinct"], 98);  // 1 to 99 but 50; 0 and 50 are the nulls
  EXPECT_NEAR(std::stod(fare["quantiles"]["p50"].get<std::string>()), 50, 2);
  const auto& kind = profile[2];
  EXPECT_EQ(kind["distinct"], 2);
  EXPECT_EQ(kind["top"][0]["value"], "card");
  EXPECT_EQ(kind["top"][0]["count"], 750);
  EXPECT_EQ(kind["min"], "card");
}

TEST(ColumnProfile, ManyDistinctValuesAreEstimated) {
  Schema schema({{"s", DataType::kString}});
  TableProfiler profiler(schema, {});
  RecordBatch batch;
  batch.schema = schema;
  batch.columns = {Column(DataType::kString)};
  for (int i = 0; i < 20000; ++i) {
    batch.columns[0].AppendString(std::string("v").append(std::to_string(i % 10000)));
    batch.lines.push_back(i);
  }
  profiler.Observe(0, batch);
  auto profile = profiler.Finish();
  EXPECT_FALSE(profile[0]["distinct_exact"]);
  EXPECT_NEAR(profile[0]["distinct"].get<double>(), 10000, 10000 * 0.05);
  EXPECT_TRUE(profile[0]["top"].empty());
}

TEST(ColumnProfile, SuggestedChecksParseAndPassOnTheProfiledRows) {
  auto profile = Profile();
  const std::string yaml = SuggestChecks(profile, 1000);
  EXPECT_NE(yaml.find("  - {completeness: id}\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  - {completeness: fare, min: 0.98, severity: warn}\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  - {unique: id, severity: warn}"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  - {allowed: kind, values: [card, cash], severity: warn}\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  - {row_count: {min: 500}}"), std::string::npos) << yaml;
}

}  // namespace
}  // namespace sluice
