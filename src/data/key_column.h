#pragma once
// Columns that look like row keys rather than facts about a row: a row index
// (unique integers in increasing or decreasing order) or an identifier
// (unique integers, or a different string in every row). A model that learns
// from one learns the row's position or name, which no new row shares, so
// such columns are not features unless a pipeline lists them.

#include <string>

#include "data/column.h"

namespace sluice {

// Fewest non-null values of a sample that KeyColumnReason judges: below
// this, uniqueness means nothing.
inline constexpr size_t kKeyColumnMinValues = 50;

// Why the sampled `column` looks like a row key ("a row index: unique,
// increasing integers"), or "" when it does not or the sample is too small.
std::string KeyColumnReason(const Column& column);

}  // namespace sluice
