#include "prep/prep_plan.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "common/error.h"
#include "common/hash.h"
#include "data/value_parser.h"

namespace sluice {

PrepFitState::PrepFitState(size_t num_features)
    : moments(num_features), sketches(num_features), counts(num_features) {}

void PrepFitState::Merge(const PrepFitState& other) {
  for (size_t i = 0; i < moments.size(); ++i) {
    moments[i].Merge(other.moments[i]);
    if (other.sketches[i].count() > 0) sketches[i].Merge(other.sketches[i]);
    for (const auto& [key, count] : other.counts[i]) counts[i][key] += count;
  }
  for (const auto& [label, count] : other.label_counts) label_counts[label] += count;
  train_rows += other.train_rows;
}

namespace {

// Category values are raw input, not always valid UTF-8: they travel as hex.
std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Unhex(const std::string& hex) {
  auto digit = [&](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    ThrowInternal("a fit state's category is not hex");
  };
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(digit(hex[i]) * 16 + digit(hex[i + 1])));
  return out;
}

}  // namespace

std::string PrepFitState::Serialize() const {
  nlohmann::json labels = nlohmann::json::array();
  for (const auto& [label, count] : label_counts) labels.push_back({Hex(label), count});
  nlohmann::json features = nlohmann::json::array();
  for (size_t i = 0; i < moments.size(); ++i) {
    nlohmann::json categories = nlohmann::json::array();
    for (const auto& [key, count] : counts[i]) categories.push_back({Hex(key), count});
    // Doubles as their bits: exact, infinities and NaN included.
    features.push_back({{"n", moments[i].count},
                        {"mean", std::bit_cast<uint64_t>(moments[i].mean)},
                        {"m2", std::bit_cast<uint64_t>(moments[i].m2)},
                        {"sketch", sketches[i].ToJson()},
                        {"counts", categories}});
  }
  return nlohmann::json({{"train_rows", train_rows}, {"labels", labels}, {"features", features}}).dump();
}

PrepFitState PrepFitState::Deserialize(const std::string& bytes) {
  const nlohmann::json in = nlohmann::json::parse(bytes);
  const nlohmann::json& features = in.at("features");
  PrepFitState state(features.size());
  state.train_rows = in.at("train_rows").get<int64_t>();
  for (const auto& label : in.at("labels")) state.label_counts[Unhex(label[0].get<std::string>())] = label[1].get<int64_t>();
  for (size_t i = 0; i < features.size(); ++i) {
    const nlohmann::json& feature = features[i];
    state.moments[i].count = feature.at("n").get<uint64_t>();
    state.moments[i].mean = std::bit_cast<double>(feature.at("mean").get<uint64_t>());
    state.moments[i].m2 = std::bit_cast<double>(feature.at("m2").get<uint64_t>());
    state.sketches[i] = QuantileSketch::FromJson(feature.at("sketch"));
    for (const auto& category : feature.at("counts")) {
      state.counts[i][Unhex(category[0].get<std::string>())] = category[1].get<int64_t>();
    }
  }
  return state;
}

void PrepPlan::CompileExpressions(const Schema& source_schema) {
  const PrepSpec& spec = spec_;
  if (spec.target.empty()) ThrowUsage("train.target: not set (the label column)");
  auto target = source_schema.Find(spec.target);
  if (!target) ThrowUsage("train.target: the input has no column '" + spec.target + "' (columns: " + source_schema.NameList() + ")");
  DataType target_type = source_schema.field(*target).type;
  if (!IsNumeric(target_type) && !spec.target_classes) {
    ThrowUsage("train.target: column '" + spec.target + "' is " + std::string(DataTypeName(target_type)) +
               "; the target must be numeric (declare its type in source.schema), or a class label with "
               "train.params.objective: multi:softprob");
  }
  target_index_ = *target;

  derive_ = DeriveStep::Compile(spec.derive, source_schema);
  // A derived column that reads the target leaks the label and cannot be computed at serving time.
  for (const auto& [name, text] : spec.derive) {
    auto expression = Expression::Compile(text, derive_.output_schema(), "prep.derive." + name);
    for (const auto& column : expression->columns()) {
      expression_inputs_.push_back(column);
      if (column == spec.target) {
        ThrowUsage("prep.derive." + name + ": reads the target column '" + spec.target +
                   "', which is not there at serving time");
      }
    }
  }
  if (!spec.filter.empty()) {
    filter_ = Expression::Compile(spec.filter, derive_.output_schema(), "prep.filter");
    for (const auto& column : filter_->columns()) expression_inputs_.push_back(column);
    if (filter_->type() != DataType::kBool) {
      ThrowUsage("prep.filter: '" + spec.filter + "' is " + std::string(DataTypeName(filter_->type())) +
                 ", not a condition");
    }
  }
}

size_t PrepPlan::Require(const std::string& key, const std::string& column) const {
  const Schema& derived = derive_.output_schema();
  auto index = derived.Find(column);
  if (!index) ThrowUsage(key + ": no column '" + column + "' (columns: " + derived.NameList() + ")");
  if (column == spec_.target) ThrowUsage(key + ": '" + column + "' is the target");
  return *index;
}

std::vector<std::string> PrepPlan::ChooseFeatureColumns(const std::map<std::string, std::string>& key_columns,
                                                        const std::set<std::string>& onehot,
                                                        const std::set<std::string>& standardize) {
  const PrepSpec& spec = spec_;
  const Schema& derived = derive_.output_schema();
  std::vector<std::string> feature_columns;
  auto read_by_expression = [&](const std::string& name) {
    return std::find(expression_inputs_.begin(), expression_inputs_.end(), name) != expression_inputs_.end();
  };
  if (!spec.features.empty()) {
    for (const auto& column : spec.features) {
      size_t index = Require("prep.features", column);
      DataType type = derived.field(index).type;
      if ((type == DataType::kString || type == DataType::kCategorical) && !onehot.count(column)) {
        ThrowUsage("prep.features: '" + column + "' is a " + std::string(DataTypeName(type)) +
                   " column; one-hot encode it (prep.onehot) or leave it out");
      }
      feature_columns.push_back(column);
    }
    for (const auto& field : derived.fields()) {
      if (field.name == spec.target || std::count(feature_columns.begin(), feature_columns.end(), field.name)) continue;
      unused_columns_.push_back({field.name, read_by_expression(field.name) ? "read by prep.derive or prep.filter only"
                                                                            : "not in prep.features"});
    }
    return feature_columns;
  }
  for (const auto& field : derived.fields()) {
    if (field.name == spec.target) continue;
    const bool chosen = onehot.count(field.name) || standardize.count(field.name);
    auto key = key_columns.find(field.name);
    std::string reason;
    if (chosen) {
      reason = "";
    } else if (key != key_columns.end()) {
      reason = key->second + "; list it in prep.features to use it";
    } else if (!IsNumeric(field.type) && read_by_expression(field.name)) {
      reason = std::string(DataTypeName(field.type)) + ", read by prep.derive or prep.filter only";
    } else if (field.type == DataType::kTimestamp) {
      reason = "a timestamp; derive features from it (hour(), dayofweek(), ...) or list it in prep.features";
    } else if (!IsNumeric(field.type)) {
      reason = std::string(DataTypeName(field.type)) + "; one-hot encode it (prep.onehot) to use it";
    }
    if (reason.empty()) {
      feature_columns.push_back(field.name);
    } else {
      unused_columns_.push_back({field.name, reason});
    }
  }
  return feature_columns;
}

std::unique_ptr<PrepPlan> PrepPlan::Make(const PrepSpec& spec, const Schema& source_schema,
                                         const std::map<std::string, std::string>& key_columns) {
  auto plan = std::unique_ptr<PrepPlan>(new PrepPlan());
  plan->spec_ = spec;
  plan->source_schema_ = source_schema;
  plan->CompileExpressions(source_schema);
  const Schema& derived = plan->derive_.output_schema();

  std::map<std::string, const ImputeSpec*> impute;
  for (const auto& item : spec.impute) {
    size_t index = plan->Require("prep.impute." + item.column, item.column);
    impute[item.column] = &item;
    if (item.strategy == ImputeStrategy::kDrop) plan->drop_columns_.push_back(index);
    if ((item.strategy == ImputeStrategy::kMean || item.strategy == ImputeStrategy::kMedian) &&
        !IsNumeric(derived.field(index).type)) {
      ThrowUsage("prep.impute." + item.column + ": mean and median need a numeric column, '" + item.column +
                 "' is " + std::string(DataTypeName(derived.field(index).type)));
    }
  }
  std::map<std::string, const OneHotSpec*> onehot;
  std::set<std::string> onehot_columns;
  for (const auto& item : spec.onehot) {
    plan->Require("prep.onehot." + item.column, item.column);
    if (item.max_categories == 0) ThrowUsage("prep.onehot." + item.column + ".max_categories: must be at least 1");
    onehot[item.column] = &item;
    onehot_columns.insert(item.column);
  }
  std::set<std::string> standardize;
  for (const auto& column : spec.standardize) {
    size_t index = plan->Require("prep.standardize", column);
    if (onehot.count(column)) ThrowUsage("prep.standardize: '" + column + "' is one-hot encoded");
    if (!IsNumeric(derived.field(index).type) && derived.field(index).type != DataType::kTimestamp) {
      ThrowUsage("prep.standardize: '" + column + "' is not numeric");
    }
    standardize.insert(column);
  }

  std::vector<std::string> feature_columns = plan->ChooseFeatureColumns(key_columns, onehot_columns, standardize);
  if (feature_columns.empty()) ThrowUsage("prep: no feature columns (set prep.features)");

  for (const auto& column : feature_columns) {
    FeatureTransform transform;
    transform.column = column;
    if (onehot.count(column)) {
      transform.kind = FeatureTransform::Kind::kOneHot;
      transform.max_categories = onehot[column]->max_categories;
    } else {
      transform.kind = FeatureTransform::Kind::kNumeric;
      transform.fill = std::numeric_limits<double>::quiet_NaN();
      if (impute.count(column)) {
        transform.impute = impute[column]->strategy;
        if (transform.impute == ImputeStrategy::kConstant) transform.fill = impute[column]->value;
      }
      transform.standardize = standardize.count(column) > 0;
    }
    plan->templates_.push_back(transform);
    plan->template_columns_.push_back(*derived.Find(column));
  }
  return plan;
}

FilterCounts PrepPlan::Filter(RecordBatch& batch) const {
  FilterCounts counts;
  size_t rows = batch.num_rows();
  std::vector<uint8_t> keep(rows, 1);
  if (filter_) {
    auto result = filter_->Evaluate(batch);
    for (size_t row = 0; row < rows; ++row) {
      if (!(result->valid()[row] && result->ints()[row])) {
        keep[row] = 0;
        ++counts.by_filter;
      }
    }
  }
  const auto& target_valid = batch.columns[target_index_].valid();
  for (size_t row = 0; row < rows; ++row) {
    if (keep[row] && !target_valid[row]) {
      keep[row] = 0;
      ++counts.missing_target;
    }
  }
  for (size_t index : drop_columns_) {
    const auto& valid = batch.columns[index].valid();
    for (size_t row = 0; row < rows; ++row) {
      if (keep[row] && !valid[row]) {
        keep[row] = 0;
        ++counts.missing_value;
      }
    }
  }
  if (counts.total() > 0) batch.Filter(keep);
  return counts;
}

SplitPart SplitOfRow(const SplitSpec& split, uint32_t file_index, int64_t line) {
  const double u = UnitInterval(MixInt(static_cast<uint64_t>(line), MixInt(split.seed, file_index)));
  return u < split.train ? SplitPart::kTrain : u < split.train + split.valid ? SplitPart::kValid : SplitPart::kTest;
}

std::vector<uint8_t> PrepPlan::AssignSplit(const RecordBatch& batch) const {
  std::vector<uint8_t> split(batch.num_rows());
  for (size_t row = 0; row < split.size(); ++row) {
    split[row] = static_cast<uint8_t>(SplitOfRow(spec_.split, batch.file_index, batch.lines[row]));
  }
  return split;
}

std::vector<std::string> PrepPlan::feature_columns() const {
  std::vector<std::string> names;
  for (const auto& transform : templates_) names.push_back(transform.column);
  return names;
}

std::vector<std::string> PrepPlan::SourceColumnsUsed() const {
  std::vector<std::string> used;
  auto add = [&](const std::string& name) {
    if (source_schema_.Find(name) && std::find(used.begin(), used.end(), name) == used.end()) used.push_back(name);
  };
  for (const auto& name : expression_inputs_) add(name);
  for (const auto& transform : templates_) add(transform.column);
  for (size_t index : drop_columns_) add(derive_.output_schema().field(index).name);
  add(spec_.target);
  return used;
}

std::vector<SimplePredicate> PrepPlan::PruningPredicates() const {
  std::vector<SimplePredicate> predicates;
  if (!filter_) return predicates;
  for (auto& predicate : filter_->SimpleConjuncts()) {
    if (source_schema_.Find(predicate.column)) predicates.push_back(predicate);
  }
  return predicates;
}

std::vector<uint8_t> PrepPlan::ColumnsForEncoding() const {
  std::vector<uint8_t> keep(derive_.output_schema().size(), 0);
  for (size_t index : template_columns_) keep[index] = 1;
  keep[target_index_] = 1;
  return keep;
}

void PrepPlan::Labels(const RecordBatch& batch, float* out) const {
  const Column& target = batch.columns[target_index_];
  for (size_t row = 0; row < target.size(); ++row) out[row] = static_cast<float>(target.AsDouble(row));
}

void PrepPlan::Fit(const RecordBatch& derived, const std::vector<uint8_t>& split, PrepFitState& state) const {
  std::string scratch;
  for (size_t i = 0; i < templates_.size(); ++i) {
    const FeatureTransform& transform = templates_[i];
    const Column& column = derived.columns[template_columns_[i]];
    bool want_moments = transform.kind == FeatureTransform::Kind::kNumeric &&
                        (transform.standardize || transform.impute == ImputeStrategy::kMean);
    bool want_sketch = transform.impute == ImputeStrategy::kMedian;
    bool want_counts = transform.kind == FeatureTransform::Kind::kOneHot;
    double unit = column.type() == DataType::kTimestamp ? 1e-6 : 1.0;
    if (want_counts && (column.type() == DataType::kInt64 || column.type() == DataType::kCategorical)) {
      // Count integer codes first and turn only the distinct ones into keys.
      std::unordered_map<int64_t, std::pair<size_t, int64_t>> by_value;  // value -> (a row holding it, count)
      const int64_t* values = column.ints().data();
      for (size_t row = 0; row < column.size(); ++row) {
        if (split[row] != static_cast<uint8_t>(SplitPart::kTrain) || column.IsNull(row)) continue;
        auto& entry = by_value.try_emplace(values[row], row, 0).first->second;
        ++entry.second;
      }
      for (const auto& [value, entry] : by_value) {
        std::string_view key = CategoryKey(column, entry.first, scratch);
        auto& counts = state.counts[i];
        auto found = counts.find(key);
        if (found == counts.end()) found = counts.emplace(std::string(key), 0).first;
        found->second += entry.second;
      }
      continue;
    }
    for (size_t row = 0; row < column.size(); ++row) {
      if (split[row] != static_cast<uint8_t>(SplitPart::kTrain) || column.IsNull(row)) continue;
      if (want_moments) state.moments[i].Add(column.AsDouble(row) * unit);
      if (want_sketch) state.sketches[i].Add(column.AsDouble(row) * unit);
      if (want_counts) {
        std::string_view key = CategoryKey(column, row, scratch);
        auto& counts = state.counts[i];
        auto found = counts.find(key);
        if (found == counts.end()) found = counts.emplace(std::string(key), 0).first;
        ++found->second;
      }
    }
  }
  if (spec_.target_classes) {
    const Column& target = derived.columns[target_index_];
    for (size_t row = 0; row < target.size(); ++row) {
      if (split[row] != static_cast<uint8_t>(SplitPart::kTrain) || target.IsNull(row)) continue;
      scratch.clear();
      AppendCellText(target, row, scratch);
      ++state.label_counts[scratch];
    }
  }
  for (uint8_t part : split) state.train_rows += part == static_cast<uint8_t>(SplitPart::kTrain);
}

FittedPrep PrepPlan::Finalize(const PrepFitState& state) const {
  std::vector<FeatureTransform> features = templates_;
  for (size_t i = 0; i < features.size(); ++i) {
    FeatureTransform& feature = features[i];
    if (feature.kind == FeatureTransform::Kind::kNumeric) {
      const RunningMoments& moments = state.moments[i];
      if (feature.impute == ImputeStrategy::kMean && moments.count > 0) feature.fill = moments.mean;
      if (feature.impute == ImputeStrategy::kMedian && state.sketches[i].count() > 0) {
        feature.fill = state.sketches[i].Quantile(0.5);
      }
      if (feature.standardize) {
        feature.mean = moments.mean;
        double deviation = std::sqrt(moments.variance());
        feature.scale = deviation > 0 ? deviation : 1.0;
      }
      continue;
    }
    std::vector<std::pair<std::string, int64_t>> ranked(state.counts[i].begin(), state.counts[i].end());
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    for (size_t k = 0; k < ranked.size(); ++k) {
      if (k < feature.max_categories) {
        feature.categories.push_back(ranked[k].first);
      } else {
        feature.other_categories.push_back(ranked[k].first);
      }
    }
    // Keep the kept categories in a stable, readable order.
    std::sort(feature.categories.begin(), feature.categories.end());
    std::sort(feature.other_categories.begin(), feature.other_categories.end());
    feature.has_other = !feature.other_categories.empty();
  }
  std::vector<std::string> labels;
  if (spec_.target_classes) {
    for (const auto& [label, count] : state.label_counts) labels.push_back(label);
    // Numbers in numeric order (2 before 10), else as text.
    bool numbers = true;
    for (const auto& label : labels) {
      double value;
      numbers = numbers && ParseFloat64(label, &value);
    }
    if (numbers) {
      std::sort(labels.begin(), labels.end(), [](const std::string& a, const std::string& b) {
        double x = 0, y = 0;
        ParseFloat64(a, &x);
        ParseFloat64(b, &y);
        return x < y;
      });
    }
    if (labels.size() < 2) {
      ThrowInputData("train.target: the train split holds " + std::to_string(labels.size()) +
                     " class(es) of '" + spec_.target + "'; a classifier needs at least 2");
    }
    if (labels.size() > kMaxClasses) {
      ThrowInputData("train.target: '" + spec_.target + "' has " + std::to_string(labels.size()) +
                     " classes in the train split, more than " + std::to_string(kMaxClasses) +
                     " (is it a class label, or an identifier or a number?)");
    }
  }
  return FittedPrep(source_schema_, spec_.target, derive_, std::move(features), std::move(labels));
}

}  // namespace sluice
