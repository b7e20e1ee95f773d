#include "tune/search_space.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"

namespace sluice {
namespace {

SearchSpace Parse(const std::string& json) { return SearchSpace::Parse(nlohmann::ordered_json::parse(json), "p.yaml: tune.space"); }

std::string ParseError(const std::string& json) {
  try {
    Parse(json);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUsage);
    return error.what();
  }
  return "no error";
}

TEST(SearchSpace, BadRangesAreUsageErrorsNamingTheKey) {
  EXPECT_NE(ParseError(R"({"train.params.eta": {"type": "float", "low": "0.3", "high": "0.3"}})")
                .find("tune.space.train.params.eta: empty range"), std::string::npos);
  EXPECT_NE(ParseError(R"({"a": {"type": "int", "low": 10, "high": 3}})").find("empty range"), std::string::npos);
  EXPECT_NE(ParseError(R"({"a": {"type": "float", "low": -1, "high": 1, "log": true}})").find("above zero"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"a": {"type": "float", "low": 0, "high": 1, "log": "true"}})").find("above zero"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"a": {"type": "int", "low": 1.5, "high": 4}})").find("whole-number"), std::string::npos);
  EXPECT_NE(ParseError(R"({"a": {"type": "categorical", "values": []}})").find("non-empty"), std::string::npos);
  EXPECT_NE(ParseError(R"({"a": {"type": "categorical", "values": ["x", "x"]}})").find("twice"), std::string::npos);
  EXPECT_NE(ParseError(R"({"a": {"type": "real", "low": 0, "high": 1}})").find("unknown type 'real'"), std::string::npos);
  EXPECT_NE(ParseError(R"({"a": {"type": "float", "low": 0, "hi": 1}})").find("unknown field 'hi'"), std::string::npos);
  EXPECT_NE(ParseError(R"({"a": {"type": "float", "low": "x", "high": 1}})").find("low: expected a number"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({"a": {"type": "int", "low": 1, "high": 5, "grid": [1, 7]}})").find("'7' is not in the range"),
            std::string::npos);
  EXPECT_NE(ParseError(R"({})").find("expected a map"), std::string::npos);
}

TEST(SearchSpace, EncodeDecodeRoundTripsAndLogScaleIsGeometric) {
  SearchSpace space = Parse(R"({"eta": {"type": "float", "low": 0.01, "high": 1, "log": true},
                               "depth": {"type": "int", "low": 3, "high": 10},
                               "impute": ["mean", "median", "none"]})");
  ASSERT_EQ(space.dims(), 5u);
  ParamValues values = {"0.1", "7", "median"};
  double unit[5];
  space.Encode(values, unit);
  EXPECT_NEAR(unit[0], 0.5, 1e-12);  // 0.1 is halfway between 0.01 and 1 on a log scale
  EXPECT_NEAR(unit[1], 4.0 / 7.0, 1e-12);
  EXPECT_EQ(unit[2], 0.0);
  EXPECT_EQ(unit[3], 1.0);
  EXPECT_EQ(space.Decode(unit), values);
  // Any vector decodes to a point the space can take: ints rounded, clamped, one choice.
  double wild[5] = {1.7, 0.49, 0.2, 0.1, 0.3};
  ParamValues decoded = space.Decode(wild);
  EXPECT_EQ(decoded, (ParamValues{"1", "6", "none"}));
  EXPECT_TRUE(space.Contains(decoded));
  EXPECT_FALSE(space.Contains({"2", "6", "none"}));
  EXPECT_FALSE(space.Contains({"0.1", "6.5", "none"}));
  EXPECT_FALSE(space.Contains({"0.1", "6", "zero"}));
}

TEST(SearchSpace, SamplesStayInsideTheSpace) {
  SearchSpace space = Parse(R"({"eta": {"type": "float", "low": 0.01, "high": 0.3, "log": true},
                               "depth": {"type": "int", "low": 3, "high": 10}, "c": ["a", "b"]})");
  std::mt19937_64 rng(7);
  int low_half = 0;
  for (int i = 0; i < 2000; ++i) {
    ParamValues values = space.Sample(rng);
    ASSERT_TRUE(space.Contains(values)) << values[0] << " " << values[1];
    if (std::stod(values[0]) < std::sqrt(0.01 * 0.3)) ++low_half;
  }
  EXPECT_NEAR(low_half, 1000, 120);  // log-uniform: half the draws below the geometric mean
}

TEST(SearchSpace, GridUsesGridListsChoicesSmallIntRangesAndEvenPoints) {
  SearchSpace space = Parse(R"({"depth": {"type": "int", "low": 3, "high": 10, "grid": [4, 6, 8]},
                               "leaves": {"type": "int", "low": 1, "high": 3},
                               "eta": {"type": "float", "low": 0.01, "high": 1, "log": true},
                               "c": ["a", "b"]})");
  auto grid = space.Grid(3);
  ASSERT_EQ(grid.size(), 3u * 3u * 3u * 2u);
  EXPECT_EQ(grid.front(), (ParamValues{"4", "1", "0.01", "a"}));
  EXPECT_EQ(grid[1], (ParamValues{"4", "1", "0.01", "b"}));
  EXPECT_EQ(grid[2], (ParamValues{"4", "1", "0.1", "a"}));
  EXPECT_EQ(grid.back(), (ParamValues{"8", "3", "1", "b"}));
}

TEST(SearchSpace, LabelsAreShortUnlessAmbiguous) {
  SearchSpace space = Parse(R"({"train.params.eta": {"type": "float", "low": 0.01, "high": 0.3},
                               "prep.impute.fare.strategy": ["mean", "median"],
                               "prep.impute.tip.strategy": ["mean", "median"]})");
  EXPECT_EQ(space.Label(0), "eta");
  EXPECT_EQ(space.Label(1), "prep.impute.fare.strategy");
  EXPECT_EQ(space.Describe({"0.1", "mean", "median"}),
            "eta=0.1 prep.impute.fare.strategy=mean prep.impute.tip.strategy=median");
}

}  // namespace
}  // namespace sluice
