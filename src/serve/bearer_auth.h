#pragma once
// Optional bearer-token authentication for `sluice serve`: the token is read
// from a file (--auth-token-file; surrounding whitespace trimmed), and a
// request passes when its `Authorization: Bearer <token>` matches. The
// comparison takes the same time whatever the bytes, so response timing does
// not reveal how much of a guess was right.

#include <string>
#include <string_view>

namespace sluice {

class BearerAuth {
 public:
  // Throws a usage error when the file is missing, unreadable or empty.
  static BearerAuth FromFile(const std::string& path);
  bool Allows(std::string_view authorization_header) const;

 private:
  explicit BearerAuth(std::string token) : token_(std::move(token)) {}
  std::string token_;
};

// Whether a and b are equal, in time that depends only on their lengths.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sluice
