#include "text/tokenizer.h"

#include <utf8proc.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace sluice {

namespace {

constexpr utf8proc_int32_t kRightSingleQuote = 0x2019;

bool IsWordCodepoint(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
    case UTF8PROC_CATEGORY_PC:
      return true;
    default:
      return false;
  }
}

bool IsSymbol(utf8proc_int32_t cp) {
  auto category = utf8proc_category(cp);
  return category == UTF8PROC_CATEGORY_SO;
}

// Tags out (a '<' opening a tag: a letter, '/' or '!' next), the common
// entities decoded, each replaced so that words on either side stay apart.
std::string StripHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '<' && i + 1 < text.size() &&
        (std::isalpha(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '/' || text[i + 1] == '!')) {
      size_t end = text.find('>', i);
      if (end != std::string_view::npos) {
        out.push_back(' ');
        i = end;
        continue;
      }
    }
    if (c == '&') {
      static const std::pair<std::string_view, std::string_view> kEntities[] = {
          {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "}};
      bool decoded = false;
      for (const auto& [entity, value] : kEntities) {
        if (text.substr(i, entity.size()) == entity) {
          out += value;
          i += entity.size() - 1;
          decoded = true;
          break;
        }
      }
      if (decoded) continue;
    }
    out.push_back(c);
  }
  return out;
}

// URLs (http://, https://, www.) up to the next whitespace become a space.
std::string StripUrls(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  auto starts = [&](std::string_view prefix) {
    if (text.size() - i < prefix.size()) return false;
    for (size_t k = 0; k < prefix.size(); ++k) {
      if (std::tolower(static_cast<unsigned char>(text[i + k])) != prefix[k]) return false;
    }
    return true;
  };
  while (i < text.size()) {
    bool boundary = i == 0 || std::isspace(static_cast<unsigned char>(text[i - 1])) || text[i - 1] == '(' || text[i - 1] == '"';
    if (boundary && (starts("http://") || starts("https://") || starts("www."))) {
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
      out.push_back(' ');
      continue;
    }
    out.push_back(text[i++]);
  }
  return out;
}

}  // namespace

nlohmann::json TokenizerOptions::ToJson() const {
  return {{"lowercase", lowercase}, {"strip_html", strip_html}, {"strip_urls", strip_urls}, {"max_tokens", max_tokens}};
}

TokenizerOptions TokenizerOptions::FromJson(const nlohmann::json& json) {
  TokenizerOptions options;
  options.lowercase = json.value("lowercase", true);
  options.strip_html = json.value("strip_html", true);
  options.strip_urls = json.value("strip_urls", true);
  options.max_tokens = json.value("max_tokens", size_t{256});
  return options;
}

bool Tokenizer::Tokenize(std::string_view text, std::vector<std::string>& tokens, std::string* error,
                         bool* truncated) const {
  tokens.clear();
  if (truncated) *truncated = false;
  std::string cleaned;
  if (options_.strip_html) {
    cleaned = StripHtml(text);
    text = cleaned;
  }
  std::string without_urls;
  if (options_.strip_urls) {
    without_urls = StripUrls(text);
    text = without_urls;
  }
  utf8proc_uint8_t* mapped = nullptr;
  int flags = UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_IGNORE;
  if (options_.lowercase) flags |= UTF8PROC_CASEFOLD;
  utf8proc_ssize_t length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                         static_cast<utf8proc_ssize_t>(text.size()), &mapped,
                                         static_cast<utf8proc_option_t>(flags));
  if (length < 0) {
    if (error) *error = length == UTF8PROC_ERROR_INVALIDUTF8 ? "invalid UTF-8" : utf8proc_errmsg(length);
    return false;
  }
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(mapped, &std::free);
  std::string current;
  auto flush = [&] {
    // A trailing apostrophe is not part of the word ("dogs'" -> "dogs").
    while (!current.empty() && current.back() == '\'') current.pop_back();
    if (!current.empty()) tokens.push_back(std::move(current));
    current.clear();
  };
  const utf8proc_uint8_t* p = mapped;
  const utf8proc_uint8_t* end = mapped + length;
  const bool limited = options_.max_tokens > 0;
  while (p < end) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(p, end - p, &cp);
    if (n <= 0) {
      if (error) *error = "invalid UTF-8";
      return false;
    }
    if (IsWordCodepoint(cp)) {
      current.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    } else if ((cp == '\'' || cp == kRightSingleQuote) && !current.empty()) {
      current.push_back('\'');  // kept inside a word; both quotes spelled '
    } else {
      flush();
      if (IsSymbol(cp)) tokens.emplace_back(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    }
    p += n;
    if (limited && tokens.size() >= options_.max_tokens) break;
  }
  flush();
  if (limited && tokens.size() > options_.max_tokens) tokens.resize(options_.max_tokens);
  if (limited && tokens.size() == options_.max_tokens && p < end && truncated) *truncated = true;
  return true;
}

}  // namespace sluice
