#pragma once
// One HTTP/1.1 request as the server hands it to a handler, and the answer
// the handler fills in. A request's strings are views into its connection's
// read buffer (parsed in place, nothing copied or allocated per field); they
// stay valid until the response has been sent.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

struct HttpHeader {
  std::string_view name, value;
};

struct HttpRequest {
  static constexpr size_t kMaxHeaders = 100;

  std::string_view method;
  std::string_view target;  // as sent: path and query
  std::string_view path;    // target up to '?', still percent-encoded
  std::string_view query;   // after '?', empty when none
  int minor_version = 1;    // HTTP/1.x
  std::array<HttpHeader, kMaxHeaders> headers;
  size_t num_headers = 0;
  std::string_view body;  // complete (chunked bodies decoded) once handed to Handle

  // The first header named `name` (case-insensitive); empty when absent.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
  // The value of `name` in the query string ("header=true"), not decoded;
  // empty when absent.
  std::string_view QueryParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/-Length and Connection
};

// "OK", "Not Found"...; "Unknown" for codes sluice never sends.
const char* HttpReason(int status);

// Case-insensitive ASCII comparison, for header names and tokens.
bool EqualsIgnoringCase(std::string_view a, std::string_view b);

}  // namespace sluice
