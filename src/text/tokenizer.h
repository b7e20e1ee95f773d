#pragma once
// Splits review-like text into word tokens, the same way at training and at
// serving time. Unicode-aware through libutf8proc: the text is normalized
// (NFKC) and, by option, case-folded (so "Straße" and "STRASSE" meet);
// a token is a run of letters, marks, digits and connector punctuation, with
// apostrophes (' and ’) kept inside a word ("don't"); each symbol such as an
// emoji is a token of its own; everything else separates tokens. Options
// strip HTML tags (decoding the common entities) and URLs first, and cap the
// token count. Invalid UTF-8 is an error the caller reports with its row.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice {

struct TokenizerOptions {
  bool lowercase = true;
  bool strip_html = true;
  bool strip_urls = true;
  size_t max_tokens = 256;  // tokens past this are dropped; 0: no limit

  nlohmann::json ToJson() const;
  static TokenizerOptions FromJson(const nlohmann::json& json);
};

class Tokenizer {
 public:
  explicit Tokenizer(TokenizerOptions options) : options_(options) {}
  const TokenizerOptions& options() const { return options_; }

  // Replaces `tokens` with the tokens of `text`; false (and `error` set) for
  // invalid UTF-8. `truncated` (if given) says whether max_tokens cut it.
  bool Tokenize(std::string_view text, std::vector<std::string>& tokens, std::string* error,
                bool* truncated = nullptr) const;

 private:
  TokenizerOptions options_;
};

}  // namespace sluice
