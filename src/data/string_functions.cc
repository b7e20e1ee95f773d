// The expression language's string functions and cast, as one table the
// binder looks names up in (expression_node.h). Semantics follow DuckDB's
// where they differ between engines: lengths and positions count Unicode
// code points, positions start at 1, a null argument gives a null result
// (concat skips nulls instead), and a value that does not convert — a cast
// of 'abc' to int64, a strptime that does not match — is null, not an
// error, so one dirty row cannot end a run. Regular expressions are RE2's
// (linear time in the text: no pattern can hang a reader or the server) and
// must be constants, compiled once when the expression is bound.

#include <re2/re2.h>
#include <utf8proc.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string_view>

#include "common/format.h"
#include "data/expression_node.h"
#include "data/timestamp_format.h"
#include "data/value_parser.h"

namespace sluice {

using Node = Expression::Node;

void BoundCall::Expect(size_t index, std::initializer_list<DataType> types, const char* what) const {
  const DataType type = args[index]->type;
  if (std::find(types.begin(), types.end(), type) != types.end()) return;
  // A bare null fits any type.
  if (args[index]->literal && args[index]->literal->kind == SyntaxNode::Kind::kNull) return;
  Fail(syntax.text + "() argument " + std::to_string(index + 1) + " must be " + what + ", got " +
       std::string(DataTypeName(type)));
}

const std::string& BoundCall::Constant(size_t index, const char* what) const {
  const SyntaxNode* literal = args[index]->literal;
  if (!literal || literal->kind != SyntaxNode::Kind::kString) {
    Fail(syntax.text + "() argument " + std::to_string(index + 1) + " must be " + what + " written as a 'string'");
  }
  return literal->text;
}

namespace {

using Args = std::vector<std::shared_ptr<Node>>;

// The arguments evaluated on a batch, and whether all are valid in a row.
struct Evaluated {
  std::vector<ColumnPtr> columns;
  Evaluated(const Args& args, const RecordBatch& batch) {
    for (const auto& arg : args) columns.push_back(arg->eval(batch));
  }
  bool Valid(size_t row) const {
    for (const auto& column : columns) {
      if (column->IsNull(row)) return false;
    }
    return true;
  }
  std::string_view String(size_t index, size_t row) const { return columns[index]->String(row); }
};

// A node of `type` whose value in a row is fn(evaluated, row, out column,
// scratch), called only when every argument is valid; other rows are null.
// Evaluation runs on many threads at once: fn keeps no state, and the
// scratch string it may reuse belongs to one call.
template <typename Fn>
std::unique_ptr<Node> RowWise(BoundCall& call, DataType type, Fn fn) {
  auto node = std::make_unique<Node>();
  node->type = type;
  node->eval = [args = call.args, type, fn](const RecordBatch& batch) -> ColumnPtr {
    Evaluated in(args, batch);
    auto out = std::make_shared<Column>(type);
    const size_t rows = batch.num_rows();
    out->Reserve(rows);
    std::string scratch;
    for (size_t row = 0; row < rows; ++row) {
      if (in.Valid(row)) {
        fn(in, row, *out, scratch);
      } else {
        out->AppendNull();
      }
    }
    return out;
  };
  return node;
}

// Byte offset of code point `index` (from 0) in `text`, or text.size().
size_t CodePointOffset(std::string_view text, int64_t index) {
  size_t pos = 0;
  for (int64_t i = 0; i < index && pos < text.size(); ++i) {
    ++pos;
    while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
  }
  return pos;
}

int64_t CodePoints(std::string_view text) {
  int64_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

// Maps every code point through `map` (utf8proc's case mappings).
void MapCase(std::string_view text, utf8proc_int32_t (*map)(utf8proc_int32_t), std::string& out) {
  out.clear();
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t pos = 0, size = static_cast<utf8proc_ssize_t>(text.size());
  while (pos < size) {
    utf8proc_int32_t code_point;
    utf8proc_ssize_t length = utf8proc_iterate(bytes + pos, size - pos, &code_point);
    if (length <= 0) {  // not UTF-8 (readers refuse it; a literal may hold it): kept as is
      out.push_back(text[pos++]);
      continue;
    }
    utf8proc_uint8_t encoded[4];
    utf8proc_ssize_t written = utf8proc_encode_char(map(code_point), encoded);
    out.append(reinterpret_cast<const char*>(encoded), static_cast<size_t>(written));
    pos += length;
  }
}

std::unique_ptr<Node> BindCase(BoundCall& call, utf8proc_int32_t (*map)(utf8proc_int32_t)) {
  call.Expect(0, {DataType::kString}, "a string");
  return RowWise(call, DataType::kString, [map](const Evaluated& in, size_t row, Column& out, std::string& scratch) {
    MapCase(in.String(0, row), map, scratch);
    out.AppendString(scratch);
  });
}

std::unique_ptr<Node> BindLower(BoundCall& call) { return BindCase(call, utf8proc_tolower); }
std::unique_ptr<Node> BindUpper(BoundCall& call) { return BindCase(call, utf8proc_toupper); }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

template <bool kLeft, bool kRight>
std::unique_ptr<Node> BindTrim(BoundCall& call) {
  call.Expect(0, {DataType::kString}, "a string");
  return RowWise(call, DataType::kString, [](const Evaluated& in, size_t row, Column& out, std::string&) {
    std::string_view text = in.String(0, row);
    while (kLeft && !text.empty() && IsSpace(text.front())) text.remove_prefix(1);
    while (kRight && !text.empty() && IsSpace(text.back())) text.remove_suffix(1);
    out.AppendString(text);
  });
}

std::unique_ptr<Node> BindLength(BoundCall& call) {
  call.Expect(0, {DataType::kString}, "a string");
  return RowWise(call, DataType::kInt64,
                 [](const Evaluated& in, size_t row, Column& out, std::string&) { out.AppendInt(CodePoints(in.String(0, row))); });
}

// substr(text, start[, length]): start from 1; a negative start counts from
// the end (-1 is the last character); 0 is before the first, so
// substr('hello', 0, 2) is 'h' as in PostgreSQL and DuckDB.
std::unique_ptr<Node> BindSubstr(BoundCall& call) {
  call.Expect(0, {DataType::kString}, "a string");
  call.Expect(1, {DataType::kInt64}, "an integer");
  if (call.args.size() == 3) call.Expect(2, {DataType::kInt64}, "an integer");
  const bool has_length = call.args.size() == 3;
  return RowWise(call, DataType::kString, [has_length](const Evaluated& in, size_t row, Column& out, std::string&) {
    std::string_view text = in.String(0, row);
    const int64_t count = CodePoints(text);
    int64_t start = in.columns[1]->Int(row);
    int64_t length = has_length ? in.columns[2]->Int(row) : count + 1;
    if (length < 0) {
      out.AppendString("");
      return;
    }
    // [first, end) in code points, from 0, clamped to the text.
    int64_t first = start > 0 ? start - 1 : start < 0 ? count + start : -1;
    int64_t end = first > INT64_MAX - length ? INT64_MAX : first + length;
    first = std::clamp<int64_t>(first, 0, count);
    end = std::clamp<int64_t>(end, first, count);
    const size_t from = CodePointOffset(text, first);
    const size_t to = from + CodePointOffset(text.substr(from), end - first);
    out.AppendString(text.substr(from, to - from));
  });
}

std::unique_ptr<Node> BindReplace(BoundCall& call) {
  for (size_t i = 0; i < 3; ++i) call.Expect(i, {DataType::kString}, "a string");
  return RowWise(call, DataType::kString, [](const Evaluated& in, size_t row, Column& out, std::string& scratch) {
    std::string_view text = in.String(0, row), from = in.String(1, row), to = in.String(2, row);
    if (from.empty()) {
      out.AppendString(text);
      return;
    }
    scratch.clear();
    size_t pos = 0;
    for (size_t found; (found = text.find(from, pos)) != std::string_view::npos; pos = found + from.size()) {
      scratch.append(text.substr(pos, found - pos)).append(to);
    }
    scratch.append(text.substr(pos));
    out.AppendString(scratch);
  });
}

enum class Affix { kPrefix, kSuffix, kAnywhere };

template <Affix kWhere>
std::unique_ptr<Node> BindAffix(BoundCall& call) {
  call.Expect(0, {DataType::kString}, "a string");
  call.Expect(1, {DataType::kString}, "a string");
  return RowWise(call, DataType::kBool, [](const Evaluated& in, size_t row, Column& out, std::string&) {
    std::string_view text = in.String(0, row), part = in.String(1, row);
    bool found = kWhere == Affix::kPrefix   ? text.substr(0, part.size()) == part
                 : kWhere == Affix::kSuffix ? text.size() >= part.size() && text.substr(text.size() - part.size()) == part
                                            : text.find(part) != std::string_view::npos;
    out.AppendInt(found);
  });
}

// split_part(text, delimiter, index): the index-th piece from 1 (negative:
// from the end); '' past the pieces. An empty delimiter does not split.
std::unique_ptr<Node> BindSplitPart(BoundCall& call) {
  call.Expect(0, {DataType::kString}, "a string");
  call.Expect(1, {DataType::kString}, "a string");
  call.Expect(2, {DataType::kInt64}, "an integer");
  return RowWise(call, DataType::kString, [](const Evaluated& in, size_t row, Column& out, std::string&) {
    std::string_view text = in.String(0, row), delimiter = in.String(1, row);
    const int64_t index = in.columns[2]->Int(row);
    int64_t pieces = 1;
    if (!delimiter.empty()) {
      for (size_t found = text.find(delimiter); found != std::string_view::npos;
           found = text.find(delimiter, found + delimiter.size())) {
        ++pieces;
      }
    }
    const int64_t at = index > 0 ? index - 1 : index < 0 ? pieces + index : -1;
    if (at < 0 || at >= pieces) {
      out.AppendString("");
      return;
    }
    if (delimiter.empty()) {
      out.AppendString(text);
      return;
    }
    size_t begin = 0;
    for (int64_t i = 0; i < at; ++i) begin = text.find(delimiter, begin) + delimiter.size();
    size_t end = text.find(delimiter, begin);
    out.AppendString(text.substr(begin, end == std::string_view::npos ? std::string_view::npos : end - begin));
  });
}

// concat(a, ...): the texts of the arguments, nulls skipped (as DuckDB's
// concat; a null argument does not make the whole result null).
std::unique_ptr<Node> BindConcat(BoundCall& call) {
  auto node = std::make_unique<Node>();
  node->type = DataType::kString;
  node->eval = [args = call.args](const RecordBatch& batch) -> ColumnPtr {
    Evaluated in(args, batch);
    auto out = std::make_shared<Column>(DataType::kString);
    out->Reserve(batch.num_rows());
    std::string text;
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      text.clear();
      for (const auto& column : in.columns) {
        if (!column->IsNull(row)) AppendCellText(*column, row, text);
      }
      out->AppendString(text);
    }
    return out;
  };
  return node;
}

// A pattern compiled once at bind time, refused then if it is not valid.
std::shared_ptr<const RE2> CompilePattern(BoundCall& call, size_t index) {
  const std::string& pattern = call.Constant(index, "a regular expression");
  RE2::Options options;
  options.set_log_errors(false);
  // Bounds RE2's memory for one pattern (its DFA falls back past it).
  options.set_max_mem(8 << 20);
  auto re = std::make_shared<const RE2>(pattern, options);
  if (!re->ok()) call.Fail(call.syntax.text + "(): '" + pattern + "' is not a regular expression: " + re->error());
  return re;
}

std::unique_ptr<Node> BindRegexpMatches(BoundCall& call) {
  call.Expect(0, {DataType::kString}, "a string");
  auto re = CompilePattern(call, 1);
  return RowWise(call, DataType::kBool, [re](const Evaluated& in, size_t row, Column& out, std::string&) {
    std::string_view text = in.String(0, row);
    out.AppendInt(RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re));
  });
}

// regexp_extract(text, pattern[, group]): the first match's group (0: the
// whole match); '' when nothing matches (as Spark and DuckDB).
std::unique_ptr<Node> BindRegexpExtract(BoundCall& call) {
  call.Expect(0, {DataType::kString}, "a string");
  auto re = CompilePattern(call, 1);
  int64_t group = 0;
  if (call.args.size() == 3) {
    const SyntaxNode* literal = call.args[2]->literal;
    if (!literal || literal->kind != SyntaxNode::Kind::kNumber || !ParseInt64(literal->text, &group)) {
      call.Fail("regexp_extract() argument 3 must be a group number written as an integer");
    }
    if (group < 0 || group > re->NumberOfCapturingGroups()) {
      call.Fail("regexp_extract(): the pattern has " + std::to_string(re->NumberOfCapturingGroups()) +
                " capturing groups, not " + std::to_string(group));
    }
  }
  const int groups = static_cast<int>(group) + 1;
  return RowWise(call, DataType::kString, [re, groups](const Evaluated& in, size_t row, Column& out, std::string&) {
    thread_local std::vector<re2::StringPiece> matches;
    matches.assign(static_cast<size_t>(groups), re2::StringPiece());
    std::string_view text = in.String(0, row);
    re2::StringPiece input(text.data(), text.size());
    if (re->Match(input, 0, input.size(), RE2::UNANCHORED, matches.data(), groups)) {
      const auto& match = matches[static_cast<size_t>(groups - 1)];
      out.AppendString(std::string_view(match.data() ? match.data() : "", match.size()));
    } else {
      out.AppendString("");
    }
  });
}

// regexp_replace(text, pattern, replacement): every match replaced; \1..\9
// in the replacement are groups.
std::unique_ptr<Node> BindRegexpReplace(BoundCall& call) {
  call.Expect(0, {DataType::kString}, "a string");
  auto re = CompilePattern(call, 1);
  const std::string& replacement = call.Constant(2, "the replacement");
  std::string why;
  if (!re->CheckRewriteString(replacement, &why)) call.Fail("regexp_replace(): replacement '" + replacement + "': " + why);
  return RowWise(call, DataType::kString, [re, replacement](const Evaluated& in, size_t row, Column& out, std::string& text) {
    text.assign(in.String(0, row));
    RE2::GlobalReplace(&text, *re, replacement);
    out.AppendString(text);
  });
}

// strptime(text, format): a timestamp read with a declared format
// (data/timestamp_format.h); null when the text does not match.
std::unique_ptr<Node> BindStrptime(BoundCall& call) {
  call.Expect(0, {DataType::kString}, "a string");
  const std::string& spec = call.Constant(1, "a timestamp format");
  std::string key = "strptime() format";
  auto format = std::make_shared<const TimestampFormat>([&] {
    try {
      return TimestampFormat::Parse(spec, key);
    } catch (const std::exception& error) {
      call.Fail(error.what());
    }
  }());
  return RowWise(call, DataType::kTimestamp, [format](const Evaluated& in, size_t row, Column& out, std::string&) {
    int64_t micros;
    if (format->Read(in.String(0, row), &micros)) {
      out.AppendInt(micros);
    } else {
      out.AppendNull();
    }
  });
}

// cast(x as type): to int64, float64, string, bool or timestamp. Text is
// read as the readers read it; a float becomes the nearest integer; what
// does not convert (or does not fit) is null.
void CastValue(const Column& in, size_t row, DataType to, Column& out, std::string& scratch) {
  const DataType from = in.type();
  if (to == DataType::kString) {
    scratch.clear();
    AppendCellText(in, row, scratch);
    out.AppendString(scratch);
    return;
  }
  if (from == DataType::kString || from == DataType::kCategorical) {
    std::string_view text = from == DataType::kString ? in.String(row) : in.Category(row);
    while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
    while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
    int64_t integer;
    double number;
    bool flag;
    switch (to) {
      case DataType::kInt64:
        if (ParseInt64(text, &integer)) return out.AppendInt(integer);
        if (ParseFloat64(text, &number) && std::fabs(number) < 9.2e18) return out.AppendInt(std::llround(number));
        return out.AppendNull();
      case DataType::kFloat64:
        if (ParseFloat64(text, &number) && std::isfinite(number)) return out.AppendDouble(number);
        return out.AppendNull();
      case DataType::kBool:
        if (ParseBool(text, &flag)) return out.AppendInt(flag);
        return out.AppendNull();
      default:  // timestamp
        if (ParseTimestamp(text, &integer)) return out.AppendInt(integer);
        return out.AppendNull();
    }
  }
  // From a number, a bool or a timestamp (microseconds).
  const double value = in.AsDouble(row);
  switch (to) {
    case DataType::kInt64:
      if (from != DataType::kFloat64) return out.AppendInt(in.Int(row));
      if (std::isfinite(value) && std::fabs(value) < 9.2e18) return out.AppendInt(std::llround(value));
      return out.AppendNull();
    case DataType::kFloat64: return out.AppendDouble(value);
    case DataType::kBool: return out.AppendInt(value != 0);
    default:  // timestamp: a number is seconds since 1970
      if (from == DataType::kTimestamp) return out.AppendInt(in.Int(row));
      if (from != DataType::kBool && std::isfinite(value) && std::fabs(value) < 2.5e11) {
        return out.AppendInt(std::llround(value * kMicrosPerSecond));
      }
      return out.AppendNull();
  }
}

std::unique_ptr<Node> BindCast(BoundCall& call) {
  const std::string& name = call.Constant(1, "a type");
  auto to = ParseDataType(name);
  if (!to || *to == DataType::kCategorical) {
    call.Fail("cast(): unknown type '" + name + "' (int64, float64, string, bool, timestamp)");
  }
  const DataType type = *to;
  auto node = std::make_unique<Node>();
  node->type = type;
  node->eval = [arg = call.args[0], type](const RecordBatch& batch) -> ColumnPtr {
    ColumnPtr in = arg->eval(batch);
    auto out = std::make_shared<Column>(type);
    out->Reserve(in->size());
    std::string scratch;
    for (size_t row = 0; row < in->size(); ++row) {
      if (in->IsNull(row)) {
        out->AppendNull();
      } else {
        CastValue(*in, row, type, *out, scratch);
      }
    }
    return out;
  };
  return node;
}

constexpr size_t kMany = 64;

const FunctionEntry kStringFunctions[] = {
    {"lower", 1, 1, BindLower, "lower(text) -> string"},
    {"upper", 1, 1, BindUpper, "upper(text) -> string"},
    {"trim", 1, 1, BindTrim<true, true>, "trim(text) -> string"},
    {"ltrim", 1, 1, BindTrim<true, false>, "ltrim(text) -> string"},
    {"rtrim", 1, 1, BindTrim<false, true>, "rtrim(text) -> string"},
    {"length", 1, 1, BindLength, "length(text) -> int64"},
    {"substr", 2, 3, BindSubstr, "substr(text, start[, length]) -> string"},
    {"substring", 2, 3, BindSubstr, "substring(text, start[, length]) -> string"},
    {"replace", 3, 3, BindReplace, "replace(text, from, to) -> string"},
    {"starts_with", 2, 2, BindAffix<Affix::kPrefix>, "starts_with(text, prefix) -> bool"},
    {"ends_with", 2, 2, BindAffix<Affix::kSuffix>, "ends_with(text, suffix) -> bool"},
    {"contains", 2, 2, BindAffix<Affix::kAnywhere>, "contains(text, part) -> bool"},
    {"split_part", 3, 3, BindSplitPart, "split_part(text, delimiter, index) -> string"},
    {"concat", 1, kMany, BindConcat, "concat(value, ...) -> string"},
    {"regexp_matches", 2, 2, BindRegexpMatches, "regexp_matches(text, 'pattern') -> bool"},
    {"regexp_extract", 2, 3, BindRegexpExtract, "regexp_extract(text, 'pattern'[, group]) -> string"},
    {"regexp_replace", 3, 3, BindRegexpReplace, "regexp_replace(text, 'pattern', 'replacement') -> string"},
    {"strptime", 2, 2, BindStrptime, "strptime(text, 'format') -> timestamp"},
    {"cast", 2, 2, BindCast, "cast(value as type) -> type"},
};

}  // namespace

const FunctionEntry* FindStringFunction(const std::string& name) {
  for (const auto& entry : kStringFunctions) {
    if (name == entry.name) return &entry;
  }
  return nullptr;
}

}  // namespace sluice
