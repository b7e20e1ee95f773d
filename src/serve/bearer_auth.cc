#include "serve/bearer_auth.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "common/atomic_file.h"
#include "common/error.h"

namespace sluice {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // Every byte of the longer input is visited; no early exit on a mismatch.
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  // Read through a volatile so the compiler cannot turn the loop into an early exit.
  volatile unsigned char result = diff;
  return result == 0;
}

BearerAuth BearerAuth::FromFile(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) ThrowUsage("--auth-token-file " + path + ": no such file");
  std::string token = ReadFileToString(path);
  const char* space = " \t\r\n";
  size_t begin = token.find_first_not_of(space);
  size_t end = token.find_last_not_of(space);
  if (begin == std::string::npos) ThrowUsage("--auth-token-file " + path + ": the file is empty");
  return BearerAuth(token.substr(begin, end - begin + 1));
}

bool BearerAuth::Allows(std::string_view header) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() < kScheme.size()) return false;
  // The scheme is case-insensitive (RFC 6750); the token is compared in constant time.
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(kScheme[i]))) {
      return false;
    }
  }
  return ConstantTimeEquals(header.substr(kScheme.size()), token_);
}

}  // namespace sluice
