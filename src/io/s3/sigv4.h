#pragma once
// AWS Signature Version 4 for S3 requests (docs.aws.amazon.com, "Signature
// Calculations for the Authorization Header"). sluice signs every request
// itself rather than through curl's CURLOPT_AWS_SIGV4 so that one piece of
// code, checked against AWS's published examples in sigv4_test.cc, decides
// the canonical request: S3 needs the payload hash both signed and sent as
// x-amz-content-sha256, the session token signed as x-amz-security-token,
// and a key's path encoded exactly once.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only
  bool empty() const { return access_key_id.empty(); }
};

struct SigV4Request {
  std::string method;          // GET, PUT, POST, HEAD, DELETE
  std::string host;            // as sent in the Host header (with :port if not the default)
  std::string canonical_path;  // already URI-encoded: /bucket/a%20key
  std::vector<std::pair<std::string, std::string>> query;    // decoded names and values
  std::vector<std::pair<std::string, std::string>> headers;  // besides host; names any case
  std::string payload_sha256;  // hex; or "UNSIGNED-PAYLOAD"
};

// The Authorization header's value for `request` at `amz_date`
// (YYYYMMDDTHHMMSSZ), signed for `region` and `service`. Every header in
// request.headers is signed, with Host.
std::string SignV4(const SigV4Request& request, const AwsCredentials& credentials, const std::string& region,
                   const std::string& service, const std::string& amz_date);

// The canonical request and the string to sign, for tests and for a
// SignatureDoesNotMatch diagnosis.
std::string CanonicalRequest(const SigV4Request& request);
std::string StringToSign(const SigV4Request& request, const std::string& region, const std::string& service,
                         const std::string& amz_date);

// RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - . _ ~
// as %XX (uppercase), and '/' kept when `keep_slash` (a key in a path).
std::string UriEncode(std::string_view text, bool keep_slash);

std::string Sha256Hex(std::string_view data);
// The current time as x-amz-date wants it.
std::string AmzDateNow();

}  // namespace sluice
