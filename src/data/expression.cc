#include "data/expression.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <unordered_map>

#include "common/error.h"
#include "data/expression_node.h"
#include "data/expression_parser.h"
#include "data/value_parser.h"

namespace sluice {

ColumnPtr FloatResult(std::vector<uint8_t> valid, std::vector<double> values) {
  auto out = std::make_shared<Column>(DataType::kFloat64);
  for (size_t row = 0; row < values.size(); ++row) {
    if (!std::isfinite(values[row])) {
      valid[row] = 0;
      values[row] = 0;
    } else if (!valid[row]) {
      values[row] = 0;
    }
  }
  out->mutable_valid() = std::move(valid);
  out->mutable_doubles() = std::move(values);
  return out;
}

ColumnPtr IntResult(DataType type, std::vector<uint8_t> valid, std::vector<int64_t> values) {
  auto out = std::make_shared<Column>(type);
  for (size_t row = 0; row < values.size(); ++row) {
    if (!valid[row]) values[row] = 0;
  }
  out->mutable_valid() = std::move(valid);
  out->mutable_ints() = std::move(values);
  return out;
}

int64_t NegateWrapping(int64_t value) { return static_cast<int64_t>(uint64_t{0} - static_cast<uint64_t>(value)); }

bool IsNumberType(DataType type) {
  return type == DataType::kInt64 || type == DataType::kFloat64 || type == DataType::kBool;
}

const double* DoublesOf(const Column& column, std::vector<double>& scratch) {
  if (column.type() == DataType::kFloat64) return column.doubles().data();
  const auto& ints = column.ints();
  scratch.resize(ints.size());
  for (size_t row = 0; row < ints.size(); ++row) scratch[row] = static_cast<double>(ints[row]);
  return scratch.data();
}

std::vector<uint8_t> BothValid(const Column& a, const Column& b) {
  std::vector<uint8_t> valid(a.size());
  for (size_t row = 0; row < valid.size(); ++row) valid[row] = a.valid()[row] & b.valid()[row];
  return valid;
}

namespace {

using Node = Expression::Node;

// A categorical column seen as strings, so expressions need not care.
ColumnPtr AsStrings(const Column& column) {
  auto out = std::make_shared<Column>(DataType::kString);
  out->Reserve(column.size());
  for (size_t row = 0; row < column.size(); ++row) {
    if (column.IsNull(row)) {
      out->AppendNull();
    } else {
      out->AppendString(column.Category(row));
    }
  }
  return out;
}

ColumnPtr Constant(const SyntaxNode& literal, DataType type, size_t rows) {
  auto out = std::make_shared<Column>(type);
  out->Reserve(rows);
  for (size_t row = 0; row < rows; ++row) {
    switch (literal.kind) {
      case SyntaxNode::Kind::kNull:
        out->AppendNull();
        break;
      case SyntaxNode::Kind::kBool:
        out->AppendInt(literal.bool_value);
        break;
      case SyntaxNode::Kind::kString:
        if (type == DataType::kTimestamp) {
          int64_t micros = 0;
          ParseTimestamp(literal.text, &micros);
          out->AppendInt(micros);
        } else {
          out->AppendString(literal.text);
        }
        break;
      default:
        if (type == DataType::kInt64) {
          int64_t value = 0;
          ParseInt64(literal.text, &value);
          out->AppendInt(value);
        } else {
          double value = 0;
          ParseFloat64(literal.text, &value);
          out->AppendDouble(value);
        }
    }
  }
  return out;
}

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

CompareOp ParseCompareOp(const std::string& op) {
  if (op == "=") return CompareOp::kEq;
  if (op == "!=") return CompareOp::kNe;
  if (op == "<") return CompareOp::kLt;
  if (op == "<=") return CompareOp::kLe;
  if (op == ">") return CompareOp::kGt;
  return CompareOp::kGe;
}

// out[row] = whether order(row) (-1, 0 or 1) satisfies op; the switch sits
// outside the loop so each loop is a plain comparison.
template <typename OrderFn>
void DecideAll(CompareOp op, size_t n, int64_t* out, OrderFn order) {
  switch (op) {
    case CompareOp::kEq: for (size_t row = 0; row < n; ++row) out[row] = order(row) == 0; break;
    case CompareOp::kNe: for (size_t row = 0; row < n; ++row) out[row] = order(row) != 0; break;
    case CompareOp::kLt: for (size_t row = 0; row < n; ++row) out[row] = order(row) < 0; break;
    case CompareOp::kLe: for (size_t row = 0; row < n; ++row) out[row] = order(row) <= 0; break;
    case CompareOp::kGt: for (size_t row = 0; row < n; ++row) out[row] = order(row) > 0; break;
    case CompareOp::kGe: for (size_t row = 0; row < n; ++row) out[row] = order(row) >= 0; break;
  }
}

class Binder {
 public:
  Binder(const std::string& text, const Schema& schema, const std::string& where,
         std::vector<std::string>* columns)
      : text_(text), schema_(schema), where_(where), columns_(columns) {}

  std::unique_ptr<Node> Bind(const SyntaxNode& syntax) {
    switch (syntax.kind) {
      case SyntaxNode::Kind::kNumber: {
        int64_t int_value;
        double double_value;
        DataType type;
        if (ParseInt64(syntax.text, &int_value)) {
          type = DataType::kInt64;
        } else if (ParseFloat64(syntax.text, &double_value)) {
          type = DataType::kFloat64;
        } else {
          Fail("'" + syntax.text + "' is not a number", syntax);
        }
        return Literal(syntax, type);
      }
      case SyntaxNode::Kind::kString:
        return Literal(syntax, DataType::kString);
      case SyntaxNode::Kind::kBool:
        return Literal(syntax, DataType::kBool);
      case SyntaxNode::Kind::kNull:
        return Literal(syntax, DataType::kFloat64);
      case SyntaxNode::Kind::kColumn:
        return BindColumn(syntax);
      case SyntaxNode::Kind::kUnary:
        return BindUnary(syntax);
      case SyntaxNode::Kind::kBinary:
        return BindBinary(syntax);
      case SyntaxNode::Kind::kCall:
        return BindCall(syntax);
    }
    Fail("unknown expression", syntax);
  }

 private:
  [[noreturn]] void Fail(const std::string& problem, const SyntaxNode& at) const {
    ThrowUsage(where_ + ": " + problem + " at position " + std::to_string(at.position + 1) + " in '" +
               text_ + "'");
  }

  std::unique_ptr<Node> Literal(const SyntaxNode& syntax, DataType type) {
    auto node = std::make_unique<Node>();
    node->type = type;
    node->literal = &syntax;
    node->eval = [&syntax, type](const RecordBatch& batch) {
      return Constant(syntax, type, batch.num_rows());
    };
    return node;
  }

  // Re-types a string literal compared with a timestamp.
  void CoerceLiteral(Node& node, DataType type) {
    const SyntaxNode& syntax = *node.literal;
    if (type == DataType::kTimestamp && syntax.kind == SyntaxNode::Kind::kString) {
      int64_t micros;
      if (!ParseTimestamp(syntax.text, &micros)) Fail("'" + syntax.text + "' is not a timestamp", syntax);
    }
    node.type = type;
    node.eval = [&syntax, type](const RecordBatch& batch) { return Constant(syntax, type, batch.num_rows()); };
  }

  std::unique_ptr<Node> BindColumn(const SyntaxNode& syntax) {
    auto index = schema_.Find(syntax.text);
    if (!index) Fail("unknown column '" + syntax.text + "' (columns: " + schema_.NameList() + ")", syntax);
    columns_->push_back(syntax.text);
    auto node = std::make_unique<Node>();
    size_t column_index = *index;
    DataType type = schema_.field(column_index).type;
    if (type == DataType::kCategorical) {
      node->type = DataType::kString;
      node->eval = [column_index](const RecordBatch& batch) { return AsStrings(batch.columns[column_index]); };
    } else {
      node->type = type;
      // Borrow the batch's column: no copy.
      node->eval = [column_index](const RecordBatch& batch) {
        return ColumnPtr(ColumnPtr(), &batch.columns[column_index]);
      };
    }
    return node;
  }

  std::unique_ptr<Node> BindUnary(const SyntaxNode& syntax) {
    auto operand = Bind(*syntax.children[0]);
    auto node = std::make_unique<Node>();
    std::shared_ptr<Node> child(std::move(operand));
    if (syntax.text == "not") {
      if (child->type != DataType::kBool) Fail("'not' needs a condition", syntax);
      node->type = DataType::kBool;
      node->eval = [child](const RecordBatch& batch) {
        auto in = child->eval(batch);
        std::vector<int64_t> values(in->size());
        for (size_t row = 0; row < values.size(); ++row) values[row] = !in->ints()[row];
        return IntResult(DataType::kBool, in->valid(), std::move(values));
      };
      return node;
    }
    if (!IsNumberType(child->type) || child->type == DataType::kBool) Fail("'-' needs a number", syntax);
    node->type = child->type;
    if (child->type == DataType::kInt64) {
      node->eval = [child](const RecordBatch& batch) {
        auto in = child->eval(batch);
        std::vector<int64_t> values(in->size());
        // Wraps as + - * do: -INT64_MIN is INT64_MIN, not undefined behaviour.
        for (size_t row = 0; row < values.size(); ++row) values[row] = NegateWrapping(in->ints()[row]);
        return IntResult(DataType::kInt64, in->valid(), std::move(values));
      };
    } else {
      node->eval = [child](const RecordBatch& batch) {
        auto in = child->eval(batch);
        std::vector<double> values(in->size());
        for (size_t row = 0; row < values.size(); ++row) values[row] = -in->doubles()[row];
        return FloatResult(in->valid(), std::move(values));
      };
    }
    return node;
  }

  std::unique_ptr<Node> BindBinary(const SyntaxNode& syntax) {
    std::shared_ptr<Node> left(Bind(*syntax.children[0]));
    std::shared_ptr<Node> right(Bind(*syntax.children[1]));
    const std::string& op = syntax.text;
    if (op == "and" || op == "or") return BindLogical(syntax, left, right);
    if (op == "=" || op == "!=" || op == "<" || op == "<=" || op == ">" || op == ">=") {
      return BindComparison(syntax, left, right);
    }
    if (!IsNumberType(left->type) || !IsNumberType(right->type)) {
      Fail("'" + op + "' needs numbers, got " + std::string(DataTypeName(left->type)) + " and " +
               std::string(DataTypeName(right->type)) +
               (left->type == DataType::kTimestamp || right->type == DataType::kTimestamp
                    ? " (use minutes_between for time differences)"
                    : ""),
           syntax);
    }
    auto node = std::make_unique<Node>();
    bool both_int = left->type != DataType::kFloat64 && right->type != DataType::kFloat64;
    char symbol = op[0];
    if (both_int && symbol != '/') {
      node->type = DataType::kInt64;
      node->eval = [left, right, symbol](const RecordBatch& batch) {
        auto a = left->eval(batch);
        auto b = right->eval(batch);
        auto valid = BothValid(*a, *b);
        const int64_t* x = a->ints().data();
        const int64_t* y = b->ints().data();
        std::vector<int64_t> values(valid.size());
        for (size_t row = 0; row < values.size(); ++row) {
          switch (symbol) {
            case '+': values[row] = static_cast<int64_t>(static_cast<uint64_t>(x[row]) + static_cast<uint64_t>(y[row])); break;
            case '-': values[row] = static_cast<int64_t>(static_cast<uint64_t>(x[row]) - static_cast<uint64_t>(y[row])); break;
            case '*': values[row] = static_cast<int64_t>(static_cast<uint64_t>(x[row]) * static_cast<uint64_t>(y[row])); break;
            default:
              if (y[row] == 0) {
                valid[row] = 0;
              } else {
                values[row] = y[row] == -1 ? 0 : x[row] % y[row];
              }
          }
        }
        return IntResult(DataType::kInt64, std::move(valid), std::move(values));
      };
      return node;
    }
    node->type = DataType::kFloat64;
    node->eval = [left, right, symbol](const RecordBatch& batch) {
      auto a = left->eval(batch);
      auto b = right->eval(batch);
      std::vector<double> scratch_a, scratch_b;
      const double* x = DoublesOf(*a, scratch_a);
      const double* y = DoublesOf(*b, scratch_b);
      auto valid = BothValid(*a, *b);
      std::vector<double> values(valid.size());
      size_t n = values.size();
      switch (symbol) {
        case '+': for (size_t row = 0; row < n; ++row) values[row] = x[row] + y[row]; break;
        case '-': for (size_t row = 0; row < n; ++row) values[row] = x[row] - y[row]; break;
        case '*': for (size_t row = 0; row < n; ++row) values[row] = x[row] * y[row]; break;
        case '/': for (size_t row = 0; row < n; ++row) values[row] = x[row] / y[row]; break;
        default: for (size_t row = 0; row < n; ++row) values[row] = std::fmod(x[row], y[row]);
      }
      return FloatResult(std::move(valid), std::move(values));
    };
    return node;
  }

  std::unique_ptr<Node> BindLogical(const SyntaxNode& syntax, std::shared_ptr<Node> left,
                                    std::shared_ptr<Node> right) {
    if (left->type != DataType::kBool || right->type != DataType::kBool) {
      Fail("'" + syntax.text + "' needs conditions on both sides", syntax);
    }
    bool is_and = syntax.text == "and";
    auto node = std::make_unique<Node>();
    node->type = DataType::kBool;
    node->eval = [left, right, is_and](const RecordBatch& batch) {
      auto a = left->eval(batch);
      auto b = right->eval(batch);
      size_t n = a->size();
      std::vector<uint8_t> valid(n);
      std::vector<int64_t> values(n);
      for (size_t row = 0; row < n; ++row) {
        bool a_valid = a->valid()[row], b_valid = b->valid()[row];
        bool x = a->ints()[row] != 0, y = b->ints()[row] != 0;
        if (is_and) {
          // false and anything is false, even null.
          if ((a_valid && !x) || (b_valid && !y)) {
            valid[row] = 1;
            values[row] = 0;
          } else {
            valid[row] = a_valid && b_valid;
            values[row] = valid[row];
          }
        } else {
          if ((a_valid && x) || (b_valid && y)) {
            valid[row] = 1;
            values[row] = 1;
          } else {
            valid[row] = a_valid && b_valid;
            values[row] = 0;
          }
        }
      }
      return IntResult(DataType::kBool, std::move(valid), std::move(values));
    };
    return node;
  }

  std::unique_ptr<Node> BindComparison(const SyntaxNode& syntax, std::shared_ptr<Node> left,
                                       std::shared_ptr<Node> right) {
    if (left->literal && right->type == DataType::kTimestamp) CoerceLiteral(*left, DataType::kTimestamp);
    if (right->literal && left->type == DataType::kTimestamp) CoerceLiteral(*right, DataType::kTimestamp);
    if (left->literal && left->literal->kind == SyntaxNode::Kind::kNull) CoerceLiteral(*left, right->type);
    if (right->literal && right->literal->kind == SyntaxNode::Kind::kNull) CoerceLiteral(*right, left->type);
    bool numeric = IsNumberType(left->type) && IsNumberType(right->type);
    if (!numeric && left->type != right->type) {
      Fail("cannot compare " + std::string(DataTypeName(left->type)) + " with " +
               std::string(DataTypeName(right->type)),
           syntax);
    }
    const CompareOp op = ParseCompareOp(syntax.text);
    auto node = std::make_unique<Node>();
    node->type = DataType::kBool;
    DataType kind = numeric && (left->type == DataType::kFloat64 || right->type == DataType::kFloat64)
                        ? DataType::kFloat64
                        : left->type;
    // A column against a number, the common filter, compares with the
    // number itself instead of a column of copies of it.
    double scalar = 0;
    int64_t int_scalar = 0;
    if (numeric && right->literal && right->literal->kind == SyntaxNode::Kind::kNumber &&
        ParseFloat64(right->literal->text, &scalar)) {
      bool int_literal = ParseInt64(right->literal->text, &int_scalar);
      node->eval = [left, op, scalar, int_literal, int_scalar](const RecordBatch& batch) {
        auto a = left->eval(batch);
        size_t n = a->size();
        std::vector<int64_t> values(n);
        if (a->type() == DataType::kFloat64) {
          const double* x = a->doubles().data();
          DecideAll(op, n, values.data(), [&](size_t row) { return (x[row] > scalar) - (x[row] < scalar); });
        } else if (int_literal) {
          const int64_t* x = a->ints().data();
          DecideAll(op, n, values.data(), [&](size_t row) { return (x[row] > int_scalar) - (x[row] < int_scalar); });
        } else {
          const int64_t* x = a->ints().data();
          DecideAll(op, n, values.data(), [&](size_t row) {
            double v = static_cast<double>(x[row]);
            return (v > scalar) - (v < scalar);
          });
        }
        return IntResult(DataType::kBool, a->valid(), std::move(values));
      };
      return node;
    }
    node->eval = [left, right, op, kind](const RecordBatch& batch) {
      auto a = left->eval(batch);
      auto b = right->eval(batch);
      auto valid = BothValid(*a, *b);
      size_t n = valid.size();
      std::vector<int64_t> values(n);
      if (kind == DataType::kFloat64) {
        std::vector<double> scratch_a, scratch_b;
        const double* x = DoublesOf(*a, scratch_a);
        const double* y = DoublesOf(*b, scratch_b);
        DecideAll(op, n, values.data(), [&](size_t row) { return (x[row] > y[row]) - (x[row] < y[row]); });
      } else if (kind == DataType::kString) {
        DecideAll(op, n, values.data(), [&](size_t row) {
          int order = a->String(row).compare(b->String(row));
          return (order > 0) - (order < 0);
        });
      } else {
        const int64_t* x = a->ints().data();
        const int64_t* y = b->ints().data();
        DecideAll(op, n, values.data(), [&](size_t row) { return (x[row] > y[row]) - (x[row] < y[row]); });
      }
      return IntResult(DataType::kBool, std::move(valid), std::move(values));
    };
    return node;
  }

  void ExpectArgs(const SyntaxNode& syntax, size_t min, size_t max) {
    size_t n = syntax.children.size();
    if (n < min || n > max) {
      std::string expected = min == max  ? std::to_string(min)
                             : max >= 64 ? std::to_string(min) + " or more"
                                         : std::to_string(min) + " to " + std::to_string(max);
      Fail(syntax.text + "() takes " + expected + " argument" + (min == 1 && max == 1 ? "" : "s") +
               ", got " + std::to_string(n),
           syntax);
    }
  }

  // A call of a function of the string or the scalar table: the arguments
  // are bound, then the function binds itself to them.
  std::unique_ptr<Node> BindCall(const SyntaxNode& syntax) {
    const FunctionEntry* entry = FindStringFunction(syntax.text);
    if (!entry) entry = FindScalarFunction(syntax.text);
    if (!entry) Fail("unknown function '" + syntax.text + "'", syntax);
    ExpectArgs(syntax, entry->min_args, entry->max_args);
    BoundCall call{syntax,
                   {},
                   [this, &syntax](const std::string& problem) { Fail(problem, syntax); },
                   [this](Node& literal, DataType type) { CoerceLiteral(literal, type); }};
    for (const auto& child : syntax.children) call.args.push_back(std::shared_ptr<Node>(Bind(*child)));
    return entry->bind(call);
  }

  const std::string& text_;
  const Schema& schema_;
  const std::string& where_;
  std::vector<std::string>* columns_;
};

void CollectConjuncts(const SyntaxNode& node, const Schema& schema, std::vector<SimplePredicate>* out) {
  if (node.kind != SyntaxNode::Kind::kBinary) return;
  if (node.text == "and") {
    CollectConjuncts(*node.children[0], schema, out);
    CollectConjuncts(*node.children[1], schema, out);
    return;
  }
  static const char* kComparisons[] = {"=", "!=", "<", "<=", ">", ">="};
  if (std::find(std::begin(kComparisons), std::end(kComparisons), node.text) == std::end(kComparisons)) return;
  const SyntaxNode* left = node.children[0].get();
  const SyntaxNode* right = node.children[1].get();
  std::string op = node.text;
  if (left->kind == SyntaxNode::Kind::kNumber && right->kind == SyntaxNode::Kind::kColumn) {
    std::swap(left, right);
    if (op == "<") op = ">";
    else if (op == "<=") op = ">=";
    else if (op == ">") op = "<";
    else if (op == ">=") op = "<=";
  }
  double value;
  if (left->kind != SyntaxNode::Kind::kColumn || right->kind != SyntaxNode::Kind::kNumber ||
      !ParseFloat64(right->text, &value)) {
    return;
  }
  auto index = schema.Find(left->text);
  if (!index || !IsNumberType(schema.field(*index).type)) return;
  out->push_back({left->text, op, value});
}

}  // namespace

Expression::~Expression() = default;

std::vector<SimplePredicate> Expression::SimpleConjuncts() const { return conjuncts_; }

std::unique_ptr<Expression> Expression::Compile(const std::string& text, const Schema& schema,
                                                const std::string& where) {
  std::unique_ptr<Expression> expression(new Expression());
  expression->text_ = text;
  // The syntax tree must outlive the evaluators, which keep pointers to literals.
  auto syntax = std::shared_ptr<SyntaxNode>(ParseExpression(expression->text_, where));
  CollectConjuncts(*syntax, schema, &expression->conjuncts_);
  Binder binder(expression->text_, schema, where, &expression->columns_);
  auto root = binder.Bind(*syntax);
  auto evaluate = root->eval;
  root->eval = [syntax, evaluate](const RecordBatch& batch) { return evaluate(batch); };
  expression->root_ = std::move(root);
  return expression;
}

DataType Expression::type() const { return root_->type; }

std::shared_ptr<const Column> Expression::Evaluate(const RecordBatch& batch) const {
  return root_->eval(batch);
}

}  // namespace sluice
