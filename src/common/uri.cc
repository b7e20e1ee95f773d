#include "common/uri.h"

#include <utility>
#include <vector>

namespace sluice {

namespace {

bool StartsWith(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

std::vector<std::pair<std::string, std::string>> UriQueryParams(const std::string& query) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string part = query.substr(start, end - start);
    if (!part.empty()) {
      size_t eq = part.find('=');
      out.emplace_back(part.substr(0, eq), eq == std::string::npos ? "" : part.substr(eq + 1));
    }
    start = end + 1;
  }
  return out;
}

bool IsPostgresUri(const std::string& uri) { return StartsWith(uri, "postgres://") || StartsWith(uri, "postgresql://"); }

std::string RedactUri(const std::string& uri) {
  if (!IsPostgresUri(uri)) return uri;
  std::string out = uri;
  const size_t scheme_end = out.find("://") + 3;
  const size_t path = out.find_first_of("/?", scheme_end);
  const size_t at = out.rfind('@', path == std::string::npos ? out.size() : path);
  if (at != std::string::npos && at >= scheme_end) {
    const size_t colon = out.find(':', scheme_end);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
  }
  const size_t question = out.find('?');
  if (question != std::string::npos) {
    std::string rebuilt = out.substr(0, question + 1);
    bool first = true;
    for (const auto& [key, value] : UriQueryParams(out.substr(question + 1))) {
      if (!first) rebuilt += '&';
      first = false;
      rebuilt += key + "=" + (key == "password" ? "***" : value);
    }
    out = rebuilt;
  }
  return out;
}

}  // namespace sluice
