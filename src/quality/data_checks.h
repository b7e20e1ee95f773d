#pragma once
// Data checks on a source before prep (Deequ's constraints, SageMaker Model
// Monitor's baseline): a pipeline's `checks:` list, each check one of
//
//   {completeness: COL, min: 0.99}            share of non-null values
//   {range: COL, min: 0, max: 500}            numeric values inside [min, max]
//   {allowed: COL, values: [1, 2, 3]}         values among these (as text)
//   {unique: COL}                             no value twice
//   {pattern: COL, regex: '^\d{4}-'}          text matching an RE2 pattern somewhere
//   {row_count: {min: 1000, max: 10000000}}   rows read (blank and rejected left out)
//   {expression: "dropoff >= pickup"}         a condition no row may make false
//
// plus `name` (default "kind(column)"), `severity` (error, the default, or
// warn) and `max_failing` (the share of rows that may fail, default 0).
// Nulls fail only completeness; an expression that is null for a row does
// not fail it (as SQL's CHECK). Observe() takes every batch, on any thread;
// Finish() merges in input order, so the counts and the example rows are the
// same however the input was chunked or threaded.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "data/record_batch.h"
#include "data/schema.h"
#include "nlohmann/json.hpp"

namespace sluice {

struct CheckSpec {
  enum class Kind { kCompleteness, kRange, kAllowed, kUnique, kPattern, kRowCount, kExpression };
  Kind kind = Kind::kCompleteness;
  std::string name;
  std::string column;      // empty for row_count and expression
  double min = 0, max = 0;  // range, row_count; completeness: min share
  bool has_min = false, has_max = false;
  std::vector<std::string> values;  // allowed
  std::string text;                 // pattern: the regex; expression: the condition
  bool warn = false;                // severity: warn
  double max_failing = 0;
};

// The `checks` list of a pipeline file, as JSON (the YAML read); throws a
// usage error naming `file` and the check for anything malformed.
std::vector<CheckSpec> ParseChecks(const nlohmann::json& list, const std::string& file);

class DataChecks {
 public:
  // Resolves columns and compiles patterns and expressions against the
  // source's schema: a mistake is a usage error before any row is read.
  DataChecks(const std::vector<CheckSpec>& specs, const Schema& schema);
  ~DataChecks();

  // The source columns the checks read (a projected source must keep them).
  std::vector<std::string> ColumnsRead() const;
  // Evaluates every check on batch `batch_index` (rows as read: before any
  // derive or filter). Safe from many threads.
  void Observe(size_t batch_index, const RecordBatch& batch);
  // The result of each check, in order: {name, kind, column, severity, rows,
  // failing, share, passed, examples: [{line, value}]}. Logs a warning per
  // failed warn check; throws an input-data error (exit 3) naming every
  // failed error check, its column, the share failing and example rows.
  nlohmann::json Finish(int64_t rows, const std::string& source_name);
  // For a source read in shares by the ranks of an MPI job (after every
  // batch of this rank's share is observed): every rank's counts, first
  // examples and unique checks' value hashes, gathered in rank order (input
  // order) by `all_gather` (every rank's bytes, in rank order, on every
  // rank), so that Finish gives every rank the whole source's results —
  // the same as one process's.
  void MergeShards(const std::function<std::vector<std::string>(const std::string&)>& all_gather);

  struct Compiled;
  struct Partial;

 private:
  std::vector<std::unique_ptr<Compiled>> checks_;
  std::mutex mutex_;
  std::map<size_t, std::vector<Partial>> partials_;  // by batch index
};

}  // namespace sluice
