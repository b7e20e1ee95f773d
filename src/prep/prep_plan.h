#pragma once
// Prep for training, checked against the source's schema: derive, filter,
// split, then fit θ on the train split with partial states that merge (one
// per chunk, thread or rank) and apply it. Make() refuses, before any row is
// read, a spec that names a missing column, a derived column that reads the
// target (it would not exist at serving time), or a string feature that is
// not one-hot encoded.

#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/expression.h"
#include "data/record_batch.h"
#include "prep/derive_step.h"
#include "prep/feature_transform.h"
#include "prep/fitted_prep.h"
#include "prep/prep_spec.h"
#include "prep/quantile_sketch.h"

namespace sluice {

enum class SplitPart : uint8_t { kTrain = 0, kValid = 1, kTest = 2 };

// The split of the row starting at `line` of file `file_index`: a hash of
// (seed, file, line), so a row lands in the same split however the input
// was chunked or threaded, in every pass and every run.
SplitPart SplitOfRow(const SplitSpec& split, uint32_t file_index, int64_t line);

// Rows prep removed, by reason.
struct FilterCounts {
  int64_t by_filter = 0;
  int64_t missing_target = 0;
  int64_t missing_value = 0;  // null in a column whose impute strategy is drop
  int64_t unseen_label = 0;   // a valid or test row of a class the train split lacks

  int64_t total() const { return by_filter + missing_target + missing_value + unseen_label; }
  void Add(const FilterCounts& other) {
    by_filter += other.by_filter;
    missing_target += other.missing_target;
    missing_value += other.missing_value;
    unseen_label += other.unseen_label;
  }
};

// Partial statistics for θ over some train rows; partial states merge.
class PrepFitState {
 public:
  explicit PrepFitState(size_t num_features);
  void Merge(const PrepFitState& other);
  // The state as bytes and back (exact: doubles keep every bit), for
  // merging the partial states of the ranks of a job.
  std::string Serialize() const;
  static PrepFitState Deserialize(const std::string& bytes);

  std::vector<RunningMoments> moments;
  std::vector<QuantileSketch> sketches;
  std::vector<std::unordered_map<std::string, int64_t, StringViewHash, std::equal_to<>>> counts;
  std::map<std::string, int64_t> label_counts;  // a multi-class target's labels on the train split
  int64_t train_rows = 0;
};

// A column of the source or of prep.derive that is not a feature, and why.
struct UnusedColumn {
  std::string name;
  std::string reason;
};

// The most classes a multi-class target may have.
inline constexpr size_t kMaxClasses = 1000;

class PrepPlan {
 public:
  // `key_columns`: source columns that look like row keys (TableSource::
  // key_columns()), with the reason; without prep.features they are not
  // features.
  static std::unique_ptr<PrepPlan> Make(const PrepSpec& spec, const Schema& source_schema,
                                        const std::map<std::string, std::string>& key_columns = {});

  const PrepSpec& spec() const { return spec_; }
  const Schema& source_schema() const { return source_schema_; }
  const Schema& derived_schema() const { return derive_.output_schema(); }
  // The columns that are features, in order (before one-hot expansion).
  std::vector<std::string> feature_columns() const;
  // Columns that reach no feature (row keys, strings not one-hot encoded,
  // timestamps, or not listed in prep.features), with the reason: for the summary.
  const std::vector<UnusedColumn>& unused_columns() const { return unused_columns_; }

  void Derive(RecordBatch& batch) const { derive_.Apply(batch); }
  // Drops the rows the filter rejects, those without a target and those with
  // a null where the impute strategy is drop.
  FilterCounts Filter(RecordBatch& batch) const;
  // The split of each row: a hash of (seed, file, line), so the same row
  // lands in the same split however the input was chunked or threaded.
  std::vector<uint8_t> AssignSplit(const RecordBatch& batch) const;
  // The source columns prep reads at all: expression inputs, features, the
  // target. A source may skip the rest.
  std::vector<std::string> SourceColumnsUsed() const;
  // The conjuncts of prep.filter that compare a source column with a
  // number: a source may skip data they rule out entirely.
  std::vector<SimplePredicate> PruningPredicates() const;
  // Which columns of the derived schema encoding and labels still read after
  // the filter: the feature columns and the target.
  std::vector<uint8_t> ColumnsForEncoding() const;
  // The target of each row as a float.
  void Labels(const RecordBatch& batch, float* out) const;

  PrepFitState NewFitState() const { return PrepFitState(templates_.size()); }
  // Adds the rows of `derived` whose split is train to `state`.
  void Fit(const RecordBatch& derived, const std::vector<uint8_t>& split, PrepFitState& state) const;
  FittedPrep Finalize(const PrepFitState& state) const;

 private:
  // Make's stages: the target and the derive and filter expressions; the
  // feature columns, chosen by prep.features or else by type (the others
  // recorded as unused, with the reason).
  void CompileExpressions(const Schema& source_schema);
  std::vector<std::string> ChooseFeatureColumns(const std::map<std::string, std::string>& key_columns,
                                                const std::set<std::string>& onehot,
                                                const std::set<std::string>& standardize);
  // The column `column` of the derived schema, for the key `key`: a usage
  // error when there is none or it is the target.
  size_t Require(const std::string& key, const std::string& column) const;

  PrepSpec spec_;
  Schema source_schema_;
  DeriveStep derive_;
  std::shared_ptr<Expression> filter_;
  std::vector<std::string> expression_inputs_;
  size_t target_index_ = 0;
  std::vector<size_t> drop_columns_;
  std::vector<FeatureTransform> templates_;
  std::vector<size_t> template_columns_;
  std::vector<UnusedColumn> unused_columns_;
};

}  // namespace sluice
