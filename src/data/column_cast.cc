#include "data/column_cast.h"

#include <cmath>

#include "common/format.h"
#include "data/value_parser.h"

namespace sluice {

std::optional<Column> CastColumn(const Column& column, DataType to, std::string* problem) {
  DataType from = column.type();
  if (from == to) return column;
  Column out(to);
  size_t rows = column.size();
  out.Reserve(rows);
  std::string text;
  for (size_t row = 0; row < rows; ++row) {
    if (column.IsNull(row)) {
      out.AppendNull();
      continue;
    }
    if (to == DataType::kString) {
      text.clear();
      switch (from) {
        case DataType::kFloat64: AppendDouble(text, column.Double(row)); break;
        case DataType::kBool: text = column.Int(row) ? "true" : "false"; break;
        case DataType::kTimestamp: AppendTimestamp(text, column.Int(row)); break;
        case DataType::kCategorical: text = std::string(column.Category(row)); break;
        default: AppendInt(text, column.Int(row));
      }
      out.AppendString(text);
      continue;
    }
    bool numeric_from = from == DataType::kBool || from == DataType::kInt64 || from == DataType::kFloat64 ||
                        (from == DataType::kTimestamp && to == DataType::kInt64);
    if (!numeric_from) {
      *problem = std::string("cannot convert ") + std::string(DataTypeName(from)) + " to " + std::string(DataTypeName(to));
      return std::nullopt;
    }
    double value = column.AsDouble(row);
    switch (to) {
      case DataType::kFloat64:
        out.AppendDouble(value);
        break;
      case DataType::kInt64:
      case DataType::kTimestamp:
        if (from == DataType::kFloat64 && (std::trunc(value) != value || std::fabs(value) > 9.2e18)) {
          *problem = "value " + FormatDouble(value) + " is not an integer";
          return std::nullopt;
        }
        out.AppendInt(from == DataType::kFloat64 ? static_cast<int64_t>(value) : column.Int(row));
        break;
      case DataType::kBool:
        if (value != 0 && value != 1) {
          *problem = "value " + FormatDouble(value) + " is not a boolean";
          return std::nullopt;
        }
        out.AppendInt(value != 0);
        break;
      default:
        *problem = std::string("cannot convert to ") + std::string(DataTypeName(to));
        return std::nullopt;
    }
  }
  return out;
}

}  // namespace sluice
