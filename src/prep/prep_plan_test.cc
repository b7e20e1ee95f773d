#include "prep/prep_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace sluice {
namespace {

Schema SourceSchema() {
  return Schema({{"x", DataType::kFloat64}, {"color", DataType::kString}, {"y", DataType::kFloat64}});
}

RecordBatch MakeBatch(int first, int count) {
  RecordBatch batch;
  batch.schema = SourceSchema();
  batch.columns = {Column(DataType::kFloat64), Column(DataType::kString), Column(DataType::kFloat64)};
  static const char* kColors[] = {"red", "red", "red", "blue", "blue", "green"};
  for (int i = first; i < first + count; ++i) {
    if (i % 10 == 3) {
      batch.columns[0].AppendNull();
    } else {
      batch.columns[0].AppendDouble(i % 17);
    }
    batch.columns[1].AppendString(kColors[i % 6]);
    batch.columns[2].AppendDouble(i % 17 * 2.0);
    batch.lines.push_back(i + 2);
  }
  return batch;
}

// Derives, filters and fits `batch`; `split` null: the plan's own split,
// else every row in the given part.
FittedPrep FitOn(const PrepPlan& plan, RecordBatch& batch, PrepFitState& state, const uint8_t* split = nullptr) {
  plan.Derive(batch);
  plan.Filter(batch);
  plan.Fit(batch, split ? std::vector<uint8_t>(batch.num_rows(), *split) : plan.AssignSplit(batch), state);
  return plan.Finalize(state);
}

PrepSpec Spec() {
  PrepSpec spec;
  spec.target = "y";
  spec.derive = {{"x2", "x * 2"}};
  spec.filter = "x2 < 30";
  spec.impute = {{"x", ImputeStrategy::kMedian, 0}};
  spec.onehot = {{"color", 2}};
  spec.standardize = {"x2"};
  return spec;
}

TEST(PrepPlan, MergedPartialStatesGiveTheSameThetaAsOnePass) {
  auto plan = PrepPlan::Make(Spec(), SourceSchema());
  PrepFitState one = plan->NewFitState();
  {
    RecordBatch batch = MakeBatch(0, 3000);
    plan->Derive(batch);
    plan->Filter(batch);
    plan->Fit(batch, plan->AssignSplit(batch), one);
  }
  PrepFitState merged = plan->NewFitState();
  for (int part = 0; part < 3; ++part) {
    RecordBatch batch = MakeBatch(part * 1000, 1000);
    plan->Derive(batch);
    plan->Filter(batch);
    PrepFitState partial = plan->NewFitState();
    plan->Fit(batch, plan->AssignSplit(batch), partial);
    merged.Merge(partial);
  }
  auto a = plan->Finalize(one).ToJson();
  auto b = plan->Finalize(merged).ToJson();
  EXPECT_EQ(a["features"][1], b["features"][1]);  // one-hot categories
  EXPECT_NEAR(a["features"][2]["mean"].get<double>(), b["features"][2]["mean"].get<double>(), 1e-9);
  EXPECT_NEAR(a["features"][2]["scale"].get<double>(), b["features"][2]["scale"].get<double>(), 1e-9);
  EXPECT_EQ(one.train_rows, merged.train_rows);
}

TEST(PrepPlan, OneHotKeepsTopCategoriesOtherBucketAndUnseenIsZeros) {
  auto plan = PrepPlan::Make(Spec(), SourceSchema());
  RecordBatch batch = MakeBatch(0, 600);
  PrepFitState state = plan->NewFitState();
  const uint8_t train = 0;
  FittedPrep fitted = FitOn(*plan, batch, state, &train);
  EXPECT_EQ(fitted.feature_names(),
            (std::vector<std::string>{"x", "color=blue", "color=red", "color=__other__", "x2"}));

  RecordBatch raw;
  raw.schema = SourceSchema();
  raw.columns = {Column(DataType::kFloat64), Column(DataType::kString), Column(DataType::kFloat64)};
  raw.columns[0].AppendNull();
  raw.columns[1].AppendString("purple");  // never seen
  raw.columns[2].AppendNull();
  raw.columns[0].AppendDouble(1);
  raw.columns[1].AppendString("green");  // seen, beyond the cap
  raw.columns[2].AppendNull();
  raw.lines = {1, 2};
  fitted.Derive(raw);
  std::vector<float> out(2 * fitted.num_features());
  fitted.Encode(raw, out.data());
  float median = static_cast<float>(state.sketches[0].Quantile(0.5));
  EXPECT_EQ(out[0], median);  // imputed
  EXPECT_EQ(out[1] + out[2] + out[3], 0.0f);
  EXPECT_TRUE(std::isnan(out[4]));  // x2 of a null x stays missing
  EXPECT_EQ(out[5 + 3], 1.0f);      // green -> other
}

TEST(PrepPlan, SplitDependsOnlyOnSeedFileAndLine) {
  auto plan = PrepPlan::Make(Spec(), SourceSchema());
  RecordBatch whole = MakeBatch(0, 2000);
  RecordBatch tail = MakeBatch(1000, 1000);
  auto a = plan->AssignSplit(whole);
  auto b = plan->AssignSplit(tail);
  for (size_t i = 0; i < 1000; ++i) ASSERT_EQ(a[1000 + i], b[i]);
  size_t train = std::count(a.begin(), a.end(), 0);
  EXPECT_NEAR(train / 2000.0, 0.8, 0.04);
}

TEST(PrepPlan, FilterCountsReasons) {
  PrepSpec spec = Spec();
  spec.impute = {{"x", ImputeStrategy::kDrop, 0}};
  spec.filter = "x2 < 30 or is_null(x2)";  // nulls pass the filter, then impute drop takes them
  auto plan = PrepPlan::Make(spec, SourceSchema());
  RecordBatch batch = MakeBatch(0, 100);
  plan->Derive(batch);
  FilterCounts counts = plan->Filter(batch);
  EXPECT_EQ(counts.missing_value, 10);
  EXPECT_GT(counts.by_filter, 0);
  EXPECT_EQ(static_cast<int64_t>(batch.num_rows()) + counts.total(), 100);
}

TEST(PrepPlan, RefusesLeakyOrMissingColumns) {
  PrepSpec leaky = Spec();
  leaky.derive.push_back({"twice_y", "y * 2"});
  EXPECT_THROW(PrepPlan::Make(leaky, SourceSchema()), Error);
  PrepSpec missing = Spec();
  missing.standardize = {"nope"};
  EXPECT_THROW(PrepPlan::Make(missing, SourceSchema()), Error);
  PrepSpec string_feature = Spec();
  string_feature.onehot.clear();
  string_feature.features = {"x", "color"};
  EXPECT_THROW(PrepPlan::Make(string_feature, SourceSchema()), Error);
}

TEST(PrepPlan, DefaultFeaturesLeaveOutRowKeysTimestampsAndTextWithTheReason) {
  Schema schema({{"row", DataType::kInt64},
                 {"x", DataType::kFloat64},
                 {"when", DataType::kTimestamp},
                 {"note", DataType::kString},
                 {"y", DataType::kFloat64}});
  PrepSpec spec;
  spec.target = "y";
  auto plan = PrepPlan::Make(spec, schema, {{"row", "a row index: unique, increasing integers"}});
  EXPECT_EQ(plan->feature_columns(), std::vector<std::string>{"x"});
  std::map<std::string, std::string> reasons;
  for (const auto& unused : plan->unused_columns()) reasons[unused.name] = unused.reason;
  ASSERT_EQ(reasons.size(), 3u);
  EXPECT_EQ(reasons["row"], "a row index: unique, increasing integers; list it in prep.features to use it");
  EXPECT_NE(reasons["when"].find("a timestamp"), std::string::npos);
  EXPECT_NE(reasons["note"].find("one-hot encode it"), std::string::npos);
  // Listed, a key column is a feature: the pipeline said so.
  spec.features = {"row", "x"};
  plan = PrepPlan::Make(spec, schema, {{"row", "a row index: unique, increasing integers"}});
  EXPECT_EQ(plan->feature_columns(), (std::vector<std::string>{"row", "x"}));
  EXPECT_EQ(plan->unused_columns().size(), 2u);
}

TEST(PrepPlan, AClassTargetGetsALabelMapFittedOnTheTrainSplit) {
  Schema schema({{"x", DataType::kFloat64}, {"grade", DataType::kInt64}});
  RecordBatch batch;
  batch.schema = schema;
  batch.columns = {Column(DataType::kFloat64), Column(DataType::kInt64)};
  const int64_t grades[] = {10, 2, 2, 30, 10};
  for (int i = 0; i < 5; ++i) {
    batch.columns[0].AppendDouble(i);
    batch.columns[1].AppendInt(grades[i]);
    batch.lines.push_back(i + 2);
  }
  PrepSpec spec;
  spec.target = "grade";
  spec.target_classes = true;
  auto plan = PrepPlan::Make(spec, schema);
  PrepFitState state = plan->NewFitState();
  // Rows 0-3 train; row 4 (grade 10 again) and a grade-30 row elsewhere.
  std::vector<uint8_t> split = {0, 0, 0, 1, 0};
  plan->Fit(batch, split, state);
  FittedPrep fitted = plan->Finalize(state);
  // Numbers sort as numbers: 2 before 10; 30 was never in the train split.
  EXPECT_EQ(fitted.labels(), (std::vector<std::string>{"2", "10"}));
  std::vector<float> ids(5);
  fitted.LabelIds(batch, ids.data());
  EXPECT_EQ(ids[0], 1.0f);
  EXPECT_EQ(ids[1], 0.0f);
  EXPECT_TRUE(std::isnan(ids[3]));
  FittedPrep loaded = FittedPrep::FromJson(fitted.ToJson());
  EXPECT_EQ(loaded.labels(), fitted.labels());
  // One class is no classifier.
  PrepFitState single = plan->NewFitState();
  plan->Fit(batch, std::vector<uint8_t>{0, 1, 1, 1, 0}, single);
  EXPECT_THROW(plan->Finalize(single), Error);
}

TEST(FittedPrep, JsonRoundTripEncodesIdentically) {
  auto plan = PrepPlan::Make(Spec(), SourceSchema());
  RecordBatch batch = MakeBatch(0, 500);
  PrepFitState state = plan->NewFitState();
  FittedPrep fitted = FitOn(*plan, batch, state);
  FittedPrep loaded = FittedPrep::FromJson(nlohmann::json::parse(fitted.ToJson().dump()));
  RecordBatch a = MakeBatch(0, 50), b = MakeBatch(0, 50);
  fitted.Derive(a);
  loaded.Derive(b);
  std::vector<float> x(50 * fitted.num_features()), y(50 * loaded.num_features());
  fitted.Encode(a, x.data());
  loaded.Encode(b, y.data());
  ASSERT_EQ(x.size(), y.size());
  EXPECT_EQ(0, std::memcmp(x.data(), y.data(), x.size() * sizeof(float)));
}

}  // namespace
}  // namespace sluice
