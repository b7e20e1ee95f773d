#include "quality/data_checks.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace sluice {
namespace {

Schema TripSchema() { return Schema({{"id", DataType::kInt64}, {"fare", DataType::kFloat64}, {"code", DataType::kString}}); }

// Rows first..first+count-1: id = row (repeats past 100), fare = row - 5
// (negative for the first five), code "T<row>" or null every tenth row.
RecordBatch Trips(int first, int count) {
  RecordBatch batch;
  batch.schema = TripSchema();
  batch.columns = {Column(DataType::kInt64), Column(DataType::kFloat64), Column(DataType::kString)};
  for (int row = first; row < first + count; ++row) {
    batch.columns[0].AppendInt(row % 100);
    batch.columns[1].AppendDouble(row - 5);
    if (row % 10 == 9) {
      batch.columns[2].AppendNull();
    } else {
      batch.columns[2].AppendString(std::string("T").append(std::to_string(row)));
    }
    batch.lines.push_back(row + 2);
  }
  return batch;
}

std::vector<CheckSpec> Parse(const std::string& json) { return ParseChecks(nlohmann::json::parse(json), "p.yaml"); }

nlohmann::json RunChecks(const std::string& json) {
  DataChecks checks(Parse(json), TripSchema());
  // Batches arrive out of order, as from a thread pool.
  checks.Observe(1, Trips(60, 60));
  checks.Observe(0, Trips(0, 60));
  return checks.Finish(120, "trips.csv");
}

TEST(DataChecks, CountsFailingRowsWithExamplesInInputOrder) {
  auto results = RunChecks(R"([
    {"range": "fare", "min": "0", "severity": "warn"},
    {"completeness": "code", "min": 0.85},
    {"unique": "id", "severity": "warn"},
    {"pattern": "code", "regex": "^T\\d+$"},
    {"allowed": "id", "values": ["1.0", 2], "max_failing": 1},
    {"row_count": {"min": 100, "max": "200"}},
    {"expression": "fare > -3", "name": "not too negative", "severity": "warn"}
  ])");
  ASSERT_EQ(results.size(), 7u);
  EXPECT_EQ(results[0]["failing"], 5);
  EXPECT_EQ(results[0]["examples"][0]["line"], 2);
  EXPECT_EQ(results[0]["examples"][0]["value"], "-5");
  EXPECT_FALSE(results[0]["passed"]);
  EXPECT_EQ(results[1]["failing"], 12);  // 12 of 120 null: 90% complete
  EXPECT_TRUE(results[1]["passed"]);
  EXPECT_EQ(results[2]["failing"], 20);  // ids 0-19 again at rows 100-119
  EXPECT_EQ(results[2]["examples"][0]["line"], 102);
  EXPECT_EQ(results[2]["examples"][0]["value"], "same value as line 2");
  EXPECT_TRUE(results[3]["passed"]);
  EXPECT_EQ(results[4]["failing"], 120 - 4);  // ids 1 and 2, each twice; "1.0" reads as 1
  EXPECT_TRUE(results[5]["passed"]);
  EXPECT_EQ(results[6]["name"], "not too negative");
  EXPECT_EQ(results[6]["failing"], 3);
}

TEST(DataChecks, AFailedErrorCheckEndsTheRunNamingCheckColumnShareAndRows) {
  try {
    RunChecks(R"([{"range": "fare", "max": 100}, {"row_count": {"min": 1000}}])");
    FAIL();
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.kind(), ErrorKind::kInputData);
    EXPECT_NE(message.find("check range(fare) on column fare: 14 of 120 rows fail (11.7%, at most 0% allowed); "
                           "e.g. trips.csv:108 (101)"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("check row_count: 120 rows read, outside [1,000, -]"), std::string::npos) << message;
  }
}

TEST(DataChecks, MistakesAreUsageErrorsBeforeAnyRow) {
  EXPECT_THROW(Parse(R"([{"range": "fare", "unique": "id"}])"), Error);
  EXPECT_THROW(Parse(R"([{"range": "fare"}])"), Error);
  EXPECT_THROW(Parse(R"([{"range": "fare", "min": 0, "severity": "fatal"}])"), Error);
  EXPECT_THROW(Parse(R"([{"allowed": "id", "values": []}])"), Error);
  EXPECT_THROW(Parse(R"([{"unique": "id", "regex": "x"}])"), Error);
  EXPECT_THROW(DataChecks(Parse(R"([{"unique": "nope"}])"), TripSchema()), Error);
  EXPECT_THROW(DataChecks(Parse(R"([{"range": "code", "min": 0}])"), TripSchema()), Error);
  EXPECT_THROW(DataChecks(Parse(R"([{"pattern": "code", "regex": "("}])"), TripSchema()), Error);
  EXPECT_THROW(DataChecks(Parse(R"([{"expression": "fare + 1"}])"), TripSchema()), Error);
}

// Two shards of the source (two MPI ranks), each checking its own batches,
// merged in shard order give what one process checking every batch gives:
// counts, examples in input order, and a unique check's repeats across the
// shards.
TEST(DataChecks, ShardsMergedGiveWhatOneProcessGives) {
  const std::string specs = R"([
    {"range": "fare", "min": "0", "severity": "warn"},
    {"completeness": "code", "min": 0.85},
    {"unique": "id", "severity": "warn"},
    {"row_count": {"min": 100}},
    {"expression": "fare > 50", "severity": "warn"}
  ])";
  DataChecks whole(Parse(specs), TripSchema()), first(Parse(specs), TripSchema()), second(Parse(specs), TripSchema());
  whole.Observe(0, Trips(0, 70));
  whole.Observe(1, Trips(70, 80));
  first.Observe(0, Trips(0, 70));
  second.Observe(0, Trips(70, 80));
  std::string second_bytes;
  second.MergeShards([&](const std::string& mine) {
    second_bytes = mine;
    return std::vector<std::string>{mine};
  });
  first.MergeShards([&](const std::string& mine) { return std::vector<std::string>{mine, second_bytes}; });
  const nlohmann::json expected = whole.Finish(150, "trips.csv");
  EXPECT_EQ(first.Finish(150, "trips.csv"), expected);
  EXPECT_EQ(expected[2]["failing"], 50);  // ids 0-49 again at rows 100-149, in the second shard
  EXPECT_ANY_THROW(DataChecks(Parse(specs), TripSchema()).MergeShards([&](const std::string&) {
    return std::vector<std::string>{second_bytes.substr(0, 9)};
  }));
}

}  // namespace
}  // namespace sluice
