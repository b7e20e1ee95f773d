// The expression language's numeric, time and conditional functions, as one
// table the binder looks names up in (expression_node.h), beside the string
// functions' (string_functions.cc). A null argument gives a null result
// (is_null, coalesce and if excepted), and a result that is not finite —
// log(0), sqrt(-1) — is null, not an error.

#include <algorithm>
#include <cmath>

#include "data/expression_node.h"
#include "data/value_parser.h"

namespace sluice {

namespace {

using Node = Expression::Node;
using NodePtr = std::unique_ptr<Node>;

constexpr size_t kMany = 64;

// Argument `index`, which must be a number.
const std::shared_ptr<Node>& NumberArg(const BoundCall& call, size_t index) {
  const auto& node = call.args[index];
  if (!IsNumberType(node->type)) {
    call.Fail(call.syntax.text + "() argument " + std::to_string(index + 1) + " must be a number, got " +
              std::string(DataTypeName(node->type)));
  }
  return node;
}

// Argument `index`, which must be a timestamp (a string literal is read as one).
const std::shared_ptr<Node>& TimestampArg(const BoundCall& call, size_t index) {
  const auto& node = call.args[index];
  if (node->literal && node->type == DataType::kString) call.coerce(*node, DataType::kTimestamp);
  if (node->type != DataType::kTimestamp) {
    call.Fail(call.syntax.text + "() argument " + std::to_string(index + 1) + " must be a timestamp, got " +
              std::string(DataTypeName(node->type)));
  }
  return node;
}

// The type several branches share: equal types, or float64 for mixed numbers.
DataType CommonType(const BoundCall& call, const std::vector<std::shared_ptr<Node>>& nodes) {
  auto is_null = [](const Node& node) { return node.literal && node.literal->kind == SyntaxNode::Kind::kNull; };
  DataType type = nodes[0]->type;
  for (auto& node : nodes) {
    if (is_null(*node)) continue;
    type = node->type;
    break;
  }
  for (auto& node : nodes) {
    if (is_null(*node)) {
      call.coerce(*node, type);
      continue;
    }
    if (node->type == type) continue;
    if (IsNumberType(node->type) && IsNumberType(type)) {
      type = DataType::kFloat64;
    } else if (node->literal && type == DataType::kTimestamp) {
      call.coerce(*node, type);
    } else {
      call.Fail(call.syntax.text + "() mixes " + std::string(DataTypeName(type)) + " and " +
                std::string(DataTypeName(node->type)));
    }
  }
  return type;
}

// Copies row `row` of `from` into `out`, converting numbers to `out`'s type.
void AppendConverted(Column& out, const Column& from, size_t row) {
  if (from.IsNull(row)) {
    out.AppendNull();
  } else if (out.type() == DataType::kFloat64 && from.type() != DataType::kFloat64) {
    out.AppendDouble(static_cast<double>(from.Int(row)));
  } else {
    out.AppendFrom(from, row);
  }
}

NodePtr BindIsNull(BoundCall& call) {
  std::shared_ptr<Node> arg = call.args[0];
  auto node = std::make_unique<Node>();
  node->type = DataType::kBool;
  node->eval = [arg](const RecordBatch& batch) {
    auto in = arg->eval(batch);
    std::vector<int64_t> values(in->size());
    for (size_t row = 0; row < values.size(); ++row) values[row] = in->IsNull(row);
    std::vector<uint8_t> all_valid(values.size(), 1);
    return IntResult(DataType::kBool, std::move(all_valid), std::move(values));
  };
  return node;
}

// coalesce (kFirst), least, greatest: the first non-null value of a row, or
// the smallest or largest.
enum class Pick { kFirst, kLeast, kGreatest };

template <Pick kPick>
NodePtr BindPick(BoundCall& call) {
  std::vector<std::shared_ptr<Node>> args;
  for (size_t index = 0; index < call.args.size(); ++index) {
    args.push_back(kPick == Pick::kFirst ? call.args[index] : NumberArg(call, index));
  }
  const DataType type = CommonType(call, args);
  auto node = std::make_unique<Node>();
  node->type = type;
  node->eval = [args, type](const RecordBatch& batch) {
    std::vector<ColumnPtr> ins;
    for (auto& arg : args) ins.push_back(arg->eval(batch));
    auto out = std::make_shared<Column>(type);
    const size_t n = batch.num_rows();
    out->Reserve(n);
    for (size_t row = 0; row < n; ++row) {
      const Column* chosen = nullptr;
      for (auto& in : ins) {
        if (in->IsNull(row)) continue;
        if (!chosen) {
          chosen = in.get();
          if (kPick == Pick::kFirst) break;
          continue;
        }
        const double candidate = in->AsDouble(row), best = chosen->AsDouble(row);
        if ((kPick == Pick::kLeast && candidate < best) || (kPick == Pick::kGreatest && candidate > best)) {
          chosen = in.get();
        }
      }
      if (chosen) {
        AppendConverted(*out, *chosen, row);
      } else {
        out->AppendNull();
      }
    }
    return ColumnPtr(out);
  };
  return node;
}

NodePtr BindIf(BoundCall& call) {
  std::shared_ptr<Node> condition = call.args[0];
  if (condition->type != DataType::kBool) call.Fail("if() needs a condition first");
  std::vector<std::shared_ptr<Node>> branches = {call.args[1], call.args[2]};
  const DataType type = CommonType(call, branches);
  auto node = std::make_unique<Node>();
  node->type = type;
  node->eval = [branches, condition, type](const RecordBatch& batch) {
    ColumnPtr when_true = branches[0]->eval(batch), when_false = branches[1]->eval(batch);
    ColumnPtr cond = condition->eval(batch);
    auto out = std::make_shared<Column>(type);
    const size_t n = batch.num_rows();
    out->Reserve(n);
    for (size_t row = 0; row < n; ++row) {
      const bool take_first = cond->valid()[row] && cond->ints()[row];
      AppendConverted(*out, take_first ? *when_true : *when_false, row);
    }
    return ColumnPtr(out);
  };
  return node;
}

template <double (*kFunction)(double)>
NodePtr BindMath(BoundCall& call) {
  std::shared_ptr<Node> arg = NumberArg(call, 0);
  auto node = std::make_unique<Node>();
  node->type = DataType::kFloat64;
  node->eval = [arg](const RecordBatch& batch) {
    auto in = arg->eval(batch);
    std::vector<double> scratch;
    const double* x = DoublesOf(*in, scratch);
    std::vector<double> values(in->size());
    for (size_t row = 0; row < values.size(); ++row) values[row] = kFunction(x[row]);
    return FloatResult(in->valid(), std::move(values));
  };
  return node;
}

double Fabs(double x) { return std::fabs(x); }
double Sqrt(double x) { return std::sqrt(x); }
double Log(double x) { return std::log(x); }
double Log1p(double x) { return std::log1p(x); }
double Exp(double x) { return std::exp(x); }
double Floor(double x) { return std::floor(x); }
double Ceil(double x) { return std::ceil(x); }
double Round(double x) { return std::round(x); }

// abs keeps an int64 an int64 (wrapping at the minimum, as two's complement does).
NodePtr BindAbs(BoundCall& call) {
  std::shared_ptr<Node> arg = NumberArg(call, 0);
  if (arg->type != DataType::kInt64) return BindMath<Fabs>(call);
  auto node = std::make_unique<Node>();
  node->type = DataType::kInt64;
  node->eval = [arg](const RecordBatch& batch) {
    auto in = arg->eval(batch);
    std::vector<int64_t> values(in->size());
    for (size_t row = 0; row < values.size(); ++row) {
      values[row] = in->ints()[row] < 0 ? NegateWrapping(in->ints()[row]) : in->ints()[row];
    }
    return IntResult(DataType::kInt64, in->valid(), std::move(values));
  };
  return node;
}

enum class TimePart { kHour, kMinute, kDay, kMonth, kYear, kDayOfWeek };

template <TimePart kPart>
NodePtr BindTimePart(BoundCall& call) {
  std::shared_ptr<Node> arg = TimestampArg(call, 0);
  auto node = std::make_unique<Node>();
  node->type = DataType::kInt64;
  node->eval = [arg](const RecordBatch& batch) {
    auto in = arg->eval(batch);
    const int64_t* micros = in->ints().data();
    std::vector<int64_t> values(in->size());
    for (size_t row = 0; row < values.size(); ++row) {
      int64_t days = micros[row] >= 0 ? micros[row] / kMicrosPerDay
                                      : -((-micros[row] + kMicrosPerDay - 1) / kMicrosPerDay);
      int64_t in_day = micros[row] - days * kMicrosPerDay;
      switch (kPart) {
        case TimePart::kHour: values[row] = in_day / (3600 * kMicrosPerSecond); break;
        case TimePart::kMinute: values[row] = in_day / (60 * kMicrosPerSecond) % 60; break;
        // 1970-01-01 was a Thursday (4 when Sunday is 0).
        case TimePart::kDayOfWeek: values[row] = ((days + 4) % 7 + 7) % 7; break;
        default: {
          int64_t year;
          unsigned month, day;
          CivilFromDays(days, &year, &month, &day);
          values[row] = kPart == TimePart::kDay ? day : kPart == TimePart::kMonth ? month : year;
        }
      }
    }
    return IntResult(DataType::kInt64, in->valid(), std::move(values));
  };
  return node;
}

NodePtr BindMinutesBetween(BoundCall& call) {
  std::shared_ptr<Node> from = TimestampArg(call, 0);
  std::shared_ptr<Node> to = TimestampArg(call, 1);
  auto node = std::make_unique<Node>();
  node->type = DataType::kFloat64;
  node->eval = [from, to](const RecordBatch& batch) {
    auto a = from->eval(batch);
    auto b = to->eval(batch);
    auto valid = BothValid(*a, *b);
    std::vector<double> values(valid.size());
    for (size_t row = 0; row < values.size(); ++row) {
      values[row] = (static_cast<double>(b->ints()[row]) - static_cast<double>(a->ints()[row])) / (60.0 * kMicrosPerSecond);
    }
    return FloatResult(std::move(valid), std::move(values));
  };
  return node;
}

// The great-circle distance between two points given in degrees.
NodePtr BindHaversineKm(BoundCall& call) {
  std::vector<std::shared_ptr<Node>> args;
  for (size_t index = 0; index < 4; ++index) args.push_back(NumberArg(call, index));
  auto node = std::make_unique<Node>();
  node->type = DataType::kFloat64;
  node->eval = [args](const RecordBatch& batch) {
    ColumnPtr in[4];
    std::vector<double> scratch[4];
    const double* x[4];
    for (int i = 0; i < 4; ++i) {
      in[i] = args[i]->eval(batch);
      x[i] = DoublesOf(*in[i], scratch[i]);
    }
    const size_t n = batch.num_rows();
    std::vector<uint8_t> valid(n);
    std::vector<double> values(n);
    constexpr double kRadians = M_PI / 180.0;
    constexpr double kEarthRadiusKm = 6371.0088;
    for (size_t row = 0; row < n; ++row) {
      valid[row] = in[0]->valid()[row] & in[1]->valid()[row] & in[2]->valid()[row] & in[3]->valid()[row];
      double lat1 = x[0][row] * kRadians, lat2 = x[2][row] * kRadians;
      double dlat = lat2 - lat1, dlon = (x[3][row] - x[1][row]) * kRadians;
      double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                 std::cos(lat1) * std::cos(lat2) * std::sin(dlon / 2) * std::sin(dlon / 2);
      values[row] = 2 * kEarthRadiusKm * std::asin(std::sqrt(std::min(1.0, h)));
    }
    return FloatResult(std::move(valid), std::move(values));
  };
  return node;
}

const FunctionEntry kScalarFunctions[] = {
    {"is_null", 1, 1, BindIsNull, "is_null(value) -> bool"},
    {"coalesce", 1, kMany, BindPick<Pick::kFirst>, "coalesce(value, ...) -> the values' type"},
    {"least", 1, kMany, BindPick<Pick::kLeast>, "least(number, ...) -> number"},
    {"greatest", 1, kMany, BindPick<Pick::kGreatest>, "greatest(number, ...) -> number"},
    {"if", 3, 3, BindIf, "if(condition, then, else) -> the branches' type"},
    {"abs", 1, 1, BindAbs, "abs(number) -> number"},
    {"sqrt", 1, 1, BindMath<Sqrt>, "sqrt(number) -> float64"},
    {"log", 1, 1, BindMath<Log>, "log(number) -> float64"},
    {"log1p", 1, 1, BindMath<Log1p>, "log1p(number) -> float64"},
    {"exp", 1, 1, BindMath<Exp>, "exp(number) -> float64"},
    {"floor", 1, 1, BindMath<Floor>, "floor(number) -> float64"},
    {"ceil", 1, 1, BindMath<Ceil>, "ceil(number) -> float64"},
    {"round", 1, 1, BindMath<Round>, "round(number) -> float64"},
    {"hour", 1, 1, BindTimePart<TimePart::kHour>, "hour(timestamp) -> int64"},
    {"minute", 1, 1, BindTimePart<TimePart::kMinute>, "minute(timestamp) -> int64"},
    {"day", 1, 1, BindTimePart<TimePart::kDay>, "day(timestamp) -> int64"},
    {"month", 1, 1, BindTimePart<TimePart::kMonth>, "month(timestamp) -> int64"},
    {"year", 1, 1, BindTimePart<TimePart::kYear>, "year(timestamp) -> int64"},
    {"dayofweek", 1, 1, BindTimePart<TimePart::kDayOfWeek>, "dayofweek(timestamp) -> int64 (0 = Sunday)"},
    {"minutes_between", 2, 2, BindMinutesBetween, "minutes_between(timestamp, timestamp) -> float64"},
    {"haversine_km", 4, 4, BindHaversineKm, "haversine_km(lat1, lon1, lat2, lon2) -> float64"},
};

}  // namespace

const FunctionEntry* FindScalarFunction(const std::string& name) {
  for (const auto& entry : kScalarFunctions) {
    if (name == entry.name) return &entry;
  }
  return nullptr;
}

}  // namespace sluice
