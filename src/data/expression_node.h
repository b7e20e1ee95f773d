#pragma once
// Inside the expression binder (data/ only): a bound node, the result
// builders its evaluators share, and the call a function table binds — so
// groups of functions (string_functions.cc) live in files of their own and
// plug into the binder by name, as DuckDB's function registry does.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/expression.h"
#include "data/expression_parser.h"

namespace sluice {

using ColumnPtr = std::shared_ptr<const Column>;
using Evaluator = std::function<ColumnPtr(const RecordBatch&)>;

struct Expression::Node {
  DataType type;
  Evaluator eval;
  // Set for literals, so binding can fold a string into a timestamp and a
  // function can require a constant (a pattern, a format).
  const SyntaxNode* literal = nullptr;
};

// int64, float64 and bool take part in arithmetic and comparisons as numbers.
bool IsNumberType(DataType type);
// -value, wrapping at the minimum as two's complement does (no overflow).
int64_t NegateWrapping(int64_t value);
// Values of a numeric column as doubles, converting ints into `scratch`.
const double* DoublesOf(const Column& column, std::vector<double>& scratch);
// Per row: whether both columns hold a value.
std::vector<uint8_t> BothValid(const Column& a, const Column& b);

// A float64 column from computed values: not-finite results become nulls.
ColumnPtr FloatResult(std::vector<uint8_t> valid, std::vector<double> values);
// An int-backed column (int64, bool, timestamp); nulls' slots are zeroed.
ColumnPtr IntResult(DataType type, std::vector<uint8_t> valid, std::vector<int64_t> values);

// A function call being bound: its syntax, its arguments already bound,
// Fail, which throws a usage error pointing at the call, and coerce, which
// re-types a literal argument (a string read as a timestamp, a null as the
// other arguments' type) or throws pointing at the literal.
struct BoundCall {
  const SyntaxNode& syntax;
  std::vector<std::shared_ptr<Expression::Node>> args;
  std::function<void(const std::string& problem)> fail;
  std::function<void(Expression::Node& literal, DataType type)> coerce;

  [[noreturn]] void Fail(const std::string& problem) const {
    fail(problem);
    std::abort();  // fail throws
  }
  // Fails unless argument `index` has one of `types`.
  void Expect(size_t index, std::initializer_list<DataType> types, const char* what) const;
  // The text of argument `index`, which must be a string literal.
  const std::string& Constant(size_t index, const char* what) const;
};

struct FunctionEntry {
  const char* name;
  size_t min_args, max_args;
  std::unique_ptr<Expression::Node> (*bind)(BoundCall& call);
  const char* signature;  // for docs and messages: "lower(text) -> string"
};

// The string functions (string_functions.cc) and the numeric, time and
// conditional ones (scalar_functions.cc); nullptr when `name` is none.
const FunctionEntry* FindStringFunction(const std::string& name);
const FunctionEntry* FindScalarFunction(const std::string& name);

}  // namespace sluice
