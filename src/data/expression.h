#pragma once
// An expression of sluice's small language (see expression_parser.h for the
// grammar), bound to a schema and evaluated a whole batch at a time, for
// filters and derived columns:
//
//   fare_amount > 0 and trip_distance < 100
//   haversine_km(pickup_latitude, pickup_longitude, dropoff_latitude, dropoff_longitude)
//
// Nulls follow SQL: an operation on a null gives null, `and`/`or` use
// three-valued logic, a filter keeps only rows where the result is true.
// Arithmetic whose result is not a finite number (x / 0, log(-1)) is null.
// Functions: is_null, coalesce, if, abs, sqrt, log, log1p, exp, floor, ceil,
// round, least, greatest, hour, minute, day, month, year, dayofweek
// (0 = Sunday), minutes_between(a, b) (b - a, in minutes), haversine_km;
// and the string functions and cast of string_functions.cc (lower, upper,
// trim, length, substr, replace, regexp_*, concat, starts_with, contains,
// split_part, strptime, cast(x as type)).

#include <memory>
#include <string>
#include <vector>

#include "data/column.h"
#include "data/record_batch.h"
#include "data/schema.h"

namespace sluice {

// A condition of the form `column op number`, one of the conjuncts of a
// filter: what a Parquet reader can check against row-group statistics.
struct SimplePredicate {
  std::string column;
  std::string op;  // = != < <= > >=, with the column on the left
  double value;
};

class Expression {
 public:
  // Parses and type-checks `text` against `schema`; throws a usage Error that
  // names `where` (e.g. "prep.filter") and the position of the problem.
  static std::unique_ptr<Expression> Compile(const std::string& text, const Schema& schema,
                                             const std::string& where);
  ~Expression();

  DataType type() const;
  const std::string& text() const { return text_; }
  // The columns the expression reads.
  const std::vector<std::string>& columns() const { return columns_; }

  // The `column op number` conjuncts of a top-level chain of `and`s: if any
  // is false for a row, the whole expression is not true for it.
  std::vector<SimplePredicate> SimpleConjuncts() const;

  // Evaluates over every row of `batch`, whose schema must have the columns
  // of the schema this was compiled against, at the same positions.
  std::shared_ptr<const Column> Evaluate(const RecordBatch& batch) const;

  struct Node;

 private:
  Expression() = default;

  std::string text_;
  std::vector<std::string> columns_;
  std::unique_ptr<Node> root_;
  std::vector<SimplePredicate> conjuncts_;
};

}  // namespace sluice
