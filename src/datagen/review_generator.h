#pragma once
// Synthetic product reviews with a sentiment label, for tests and demos of
// the text pipeline — clearly synthetic: every row's `source` column says
// so, and nothing in sluice may rely on its phrasing. A review mixes
// sentiment phrases (with negations that flip them: "not great"), product
// words and filler; labels are `positive` / `negative` with a little label
// noise, and the dirt real review dumps have: HTML tags and entities, URLs,
// emoji, curly quotes, non-ASCII words, empty texts, missing labels and a
// few lines of invalid UTF-8. The same seed gives the same file.

#include <cstdint>
#include <string>

namespace sluice {

struct ReviewDataOptions {
  int64_t rows = 10000;
  uint64_t seed = 7;
  std::string output;
};

struct ReviewDataTotals {
  int64_t rows = 0;
  int64_t dirty_rows = 0;  // empty text, missing label or invalid UTF-8, on purpose
  uint64_t bytes = 0;
};

ReviewDataTotals GenerateReviewData(const ReviewDataOptions& options);

}  // namespace sluice
