#pragma once
// What a run that trained a model reports: where every input row went, the
// split, the features, the data checks, the test metrics, the curves, the
// time of each stage, the tuning search and the artifact. The pipeline fills
// it; `sluice run --json` prints ToJson(); the run history stores that
// document, and the history, the graph's quality gates and the report read it
// back with FromJson. docs/pipeline.md describes the document.
//
// FromJson reads documents written by any sluice: a key an older version did
// not write is left at its default, never an error.
//
// Two parts stay JSON because another layer owns their shape: `model`, the
// learner's own description (trees, layers, throughput), and for a graph run
// its `steps` and the model versions `registered`.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice {

// Where every input row went; read = kept + filtered + rejected + blank.
struct RowCounts {
  int64_t read = 0, rejected = 0, blank = 0;
  int64_t filtered = 0;                 // the sum of the four below
  int64_t filtered_by_filter = 0;       // prep.filter said no
  int64_t filtered_missing_target = 0;
  int64_t filtered_missing_value = 0;   // prep.missing: drop
  int64_t filtered_unseen_label = 0;    // a class the train split never saw
  int64_t filtered_unread = 0;          // in row groups prep.filter rules out (not read; counted in filtered_by_filter)
  int64_t kept = 0, train = 0, valid = 0, test = 0;

  // A text job: how many texts were tokenized and how many cut at max_tokens.
  struct TextCuts {
    int64_t tokenized = 0, truncated = 0, max_tokens = 0;
  };
  std::optional<TextCuts> texts;

  nlohmann::json ToJson() const;
  static RowCounts FromJson(const nlohmann::json& json);
};

// The shares split.train/valid/test asked for.
struct SplitShares {
  double train = 0, valid = 0, test = 0;

  nlohmann::json ToJson() const;
  // nullopt for a document without the shares (written before they were kept).
  static std::optional<SplitShares> FromJson(const nlohmann::json& json);
};

// One data check's result (quality/data_checks.h runs them).
struct CheckOutcome {
  std::string name, kind, column, severity;  // kind: completeness, range, ..., row_count
  int64_t rows = 0, failing = 0;
  double share = 0;
  bool passed = true;
  struct Example {
    int64_t line = 0;
    std::string value;
  };
  std::vector<Example> examples;

  nlohmann::json ToJson() const;
  static CheckOutcome FromJson(const nlohmann::json& json);
};

// A source column the model does not read, and why.
struct ColumnLeftOut {
  std::string name, reason;
};

// The model's quality on the test split: named scores (rmse, auc, f1[cat]...),
// the row counts behind them, and for classes the confusion matrix.
struct TestMetrics {
  std::map<std::string, double> scores;
  std::map<std::string, int64_t> rows;             // rows_read, rows_rejected, rows_filtered, rows_train...
  std::vector<std::vector<int64_t>> confusion;     // [true class][predicted class]
  std::vector<std::string> classes;                // the confusion matrix's order

  bool empty() const { return scores.empty() && rows.empty(); }
  // A score or a row count by name: what a quality gate compares.
  std::optional<double> Find(const std::string& name) const;
  std::vector<std::string> Names() const;

  // The artifact's metrics.json and the summary's "metrics".
  nlohmann::json ToJson() const;
  static TestMetrics FromJson(const nlohmann::json& json);
};

// Training curves: series (valid-rmse, train-loss...) -> value per round or epoch.
using Curves = std::map<std::string, std::vector<double>>;

// Wall seconds by stage; a stage a run does not have is absent.
struct StageSeconds {
  std::optional<double> read_fit, apply, prep, train, evaluate, save, total;

  double Sum(std::initializer_list<std::optional<double>> stages) const;
  // stage name -> seconds, for those present.
  std::map<std::string, double> Present() const;
  nlohmann::json ToJson() const;
  static StageSeconds FromJson(const nlohmann::json& json);
};

// A tuning search: what ran, the best trial, and every trial.
struct TuningRecord {
  std::string strategy, metric;
  int trials_run = 0, ok = 0, pruned = 0, failed = 0;
  int warm_trials = 0, resumed_trials = 0, parallel = 1, threads_per_trial = 0;
  int best_trial = -1;
  double best_score = 0;
  std::map<std::string, std::string> best_params;  // key -> value as the search space writes it
  double seconds = 0;
  std::string table;                               // the trial table as printed
  nlohmann::json trials = nlohmann::json::array();  // each trial's record (tune/trial_record.h)

  nlohmann::json ToJson() const;
  static TuningRecord FromJson(const nlohmann::json& json);
};

// One learner of a text job.
struct LearnerSummary {
  std::string learner, artifact, rejects_file;
  TestMetrics metrics;
  nlohmann::json model = nlohmann::json::object();  // the learner's description
  Curves curves;
  int64_t features = 0;
  double matrix_bytes = 0;
  StageSeconds seconds;  // train, evaluate, save

  nlohmann::json ToJson() const;
  static LearnerSummary FromJson(const nlohmann::json& json);
};

struct RunSummary {
  std::string name;  // the pipeline's name; empty for a graph run with no train or tune step
  bool text = false;  // a text job ("kind": "text")
  std::string task;   // regression, binary, multiclass, classification
  std::string artifact, rejects_file, first_reject, fingerprint;
  RowCounts rows;
  std::optional<SplitShares> split;
  int64_t features = 0;
  std::vector<std::string> used_columns;
  std::vector<ColumnLeftOut> unused_columns;
  std::vector<CheckOutcome> checks;
  TestMetrics metrics;
  nlohmann::json model = nlohmann::json::object();  // the learner's description
  Curves curves;
  StageSeconds seconds;
  double matrix_bytes = 0, peak_rss_bytes = 0;  // peak memory: of rank 0, across MPI ranks
  std::optional<TuningRecord> tuning;
  // The host of each MPI rank that ran the job, in rank order; empty for
  // one process.
  std::vector<std::string> rank_hosts;

  // A text job.
  int64_t vocabulary = 0;
  std::vector<std::string> classes;
  std::vector<LearnerSummary> learners;

  // A graph run: the pipeline's name and each step's outcome.
  std::string pipeline;
  nlohmann::json steps;  // null unless a graph ran

  // Once recorded in the run history.
  std::string run_id;
  nlohmann::json registered;  // the model versions registered; null before

  // Whether a model was trained (a graph may have no train step).
  bool trained() const { return !artifact.empty(); }

  nlohmann::json ToJson() const;
  static RunSummary FromJson(const nlohmann::json& json);
};

}  // namespace sluice
