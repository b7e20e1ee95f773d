#include "report/run_report.h"

#include <gtest/gtest.h>

#include "report/svg_chart.h"

namespace sluice {
namespace {

TEST(SvgChart, FormatsNumbersForPeopleAndEscapesText) {
  EXPECT_EQ(ShortNumber(300000), "300,000");
  EXPECT_EQ(ShortNumber(-1234567), "-1,234,567");
  EXPECT_EQ(ShortNumber(1.5), "1.5");
  EXPECT_EQ(ShortNumber(0.00001234), "1.23e-05");
  EXPECT_EQ(EscapeHtml("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

TEST(SvgChart, DrawsOneMarkPerBarAndSaysSoWhenThereIsNoData) {
  std::string bars = BarChart("b", {"x", "y<z"}, {2, 1}, "unit");
  EXPECT_NE(bars.find("data-chart=\"b\""), std::string::npos);
  size_t marks = 0;
  for (size_t at = bars.find("class=\"mark\""); at != std::string::npos; at = bars.find("class=\"mark\"", at + 1)) ++marks;
  EXPECT_EQ(marks, 2u);
  EXPECT_NE(bars.find("y&lt;z"), std::string::npos);
  std::string empty = LineChart("l", {}, {"x", "y", false});
  EXPECT_EQ(empty.find("class=\"mark\""), std::string::npos);
  EXPECT_NE(empty.find("no data"), std::string::npos);
}

TEST(RunReport, RendersEverySectionFromWhatWasLoaded) {
  RunReportInputs in;
  in.run = nlohmann::json::parse(R"({
    "id": "20261124-000000-abcd", "name": "demo", "status": "succeeded", "attempts": 1, "host": "h",
    "started": 1000.0, "finished": 1010.0, "artifact": "", "fingerprint": "f", "error": "",
    "invocation": {"verb": "run", "pipeline": "p.yaml", "overrides": ["train.rounds=3"], "threads": -1},
    "metrics": {"rmse": 1.5},
    "curves": {"train-rmse": [[0, 3.0], [1, 2.0], [2, 1.0]], "valid-rmse": [[0, 3.5], [1, 2.5], [2, 1.6]]},
    "steps": [{"name": "prep", "attempt": 1, "status": "succeeded", "started": 1000.0, "finished": 1002.0},
              {"name": "train", "attempt": 1, "status": "succeeded", "started": 1002.0, "finished": 1010.0}],
    "resources": [{"attempt": 1, "at": 1000.0, "cpu_percent": 0, "rss_bytes": 1048576, "read_bytes": 0, "write_bytes": 0},
                  {"attempt": 1, "at": 1005.0, "cpu_percent": 180, "rss_bytes": 4194304, "read_bytes": 5242880, "write_bytes": 0},
                  {"attempt": 1, "at": 1010.0, "cpu_percent": 150, "rss_bytes": 4194304, "read_bytes": 5242880, "write_bytes": 1048576}]
  })");
  in.cost_note = "Not priced: test";
  in.task = "regression";
  in.labels = {1, 2, 3, 4};
  in.predictions = {1.1, 1.9, 3.2, 3.9};
  in.feature_names = {"a", "b"};
  in.importance = {3, 1};
  std::string html = RenderRunReport(in);
  for (const char* chart : {"curves-rmse", "predicted-vs-actual", "residuals", "importance", "timeline", "resources-cpu",
                            "resources-memory", "resources-io"}) {
    EXPECT_NE(html.find(std::string("data-chart=\"") + chart + "\""), std::string::npos) << chart;
  }
  EXPECT_NE(html.find("Not priced: test"), std::string::npos);
  EXPECT_NE(html.find("sluice run p.yaml --set train.rounds=3"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  // Classification: ROC and confusion instead of predicted vs actual.
  in.task = "binary";
  in.labels = {1, 0, 1, 0};
  in.predictions = {0.9, 0.2, 0.4, 0.6};
  html = RenderRunReport(in);
  EXPECT_NE(html.find("data-chart=\"roc\""), std::string::npos);
  EXPECT_NE(html.find("data-chart=\"confusion\""), std::string::npos);
  EXPECT_EQ(html.find("data-chart=\"predicted-vs-actual\""), std::string::npos);
  EXPECT_NE(html.find("AUC 0.75"), std::string::npos);
}

TEST(RunReport, ShowsTheSummarysConfusionMatrixAndDataChecks) {
  RunReportInputs in;
  in.run = nlohmann::json::parse(R"({"id": "20261124-000000-abcd", "name": "demo", "status": "succeeded",
    "attempts": 1, "host": "h", "started": 1000.0, "finished": 1010.0, "artifact": "", "fingerprint": "f",
    "error": "", "invocation": {"verb": "run", "pipeline": "p.yaml", "overrides": [], "threads": -1},
    "metrics": {}, "curves": {}, "steps": [], "resources": []})");
  in.summary = RunSummary::FromJson(nlohmann::json::parse(R"({"name": "demo", "artifact": "m", "task": "multiclass",
    "metrics": {"accuracy": 0.75, "f1[cat]": 0.8, "confusion_matrix": [[3, 1], [0, 4]], "classes": ["cat", "dog"]},
    "checks": [{"name": "fares", "kind": "range", "column": "fare", "severity": "warn", "rows": 8, "failing": 1,
                "share": 0.125, "passed": false, "examples": [{"line": 7, "value": "-3"}]}]})"));
  in.task = "multiclass";
  const std::string html = RenderRunReport(in);
  EXPECT_NE(html.find("<th>true \\ predicted</th><th>cat</th><th>dog</th>"), std::string::npos);
  EXPECT_NE(html.find("<td><b>3</b></td><td>1</td><td>0.8</td>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Data checks</h2>"), std::string::npos);
  EXPECT_NE(html.find("1 of 8 (12.5%)"), std::string::npos);
  EXPECT_NE(html.find("line 7 (-3)"), std::string::npos);
}

}  // namespace
}  // namespace sluice
