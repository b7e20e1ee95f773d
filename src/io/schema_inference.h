#pragma once
// Guesses column types from a sample of values: int64 if the values are
// integers, else float64 if they are numbers, else timestamp, else bool
// (true/false words), else string — where "are" allows up to 1% strays, which
// become rejected rows with a reason rather than turning the column into text.
// Nulls do not vote; a column of only nulls is a string. Overrides from the
// pipeline file always win.

#include <string>
#include <string_view>
#include <vector>

#include "data/data_type.h"

namespace sluice {

DataType InferType(const std::vector<std::string_view>& values, const std::vector<std::string>& null_values);

}  // namespace sluice
