#include "io/s3/sigv4.h"

#include <gtest/gtest.h>

namespace sluice {
namespace {

// AWS's worked S3 examples ("Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk"), with their published
// signatures.
const AwsCredentials kExampleCredentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// A request to AWS's example bucket.
SigV4Request ExampleRequest(const char* method) {
  SigV4Request request;
  request.method = method;
  request.host = "examplebucket.s3.amazonaws.com";
  return request;
}

// The Authorization header sluice signs for an example, and the one AWS
// published (its signed headers and signature).
std::string Signed(const SigV4Request& request) {
  return SignV4(request, kExampleCredentials, "us-east-1", "s3", "20130524T000000Z");
}
std::string Published(const std::string& signed_headers, const std::string& signature) {
  return std::string("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ") +
         "SignedHeaders=" + signed_headers + ", Signature=" + signature;
}

TEST(SigV4, GetObjectWithARangeMatchesAwsPublishedSignature) {
  SigV4Request request = ExampleRequest("GET");
  request.canonical_path = "/test.txt";
  request.headers = {{"Range", "bytes=0-9"}, {"x-amz-content-sha256", kEmptySha256}, {"x-amz-date", "20130524T000000Z"}};
  request.payload_sha256 = kEmptySha256;
  EXPECT_EQ(Sha256Hex(CanonicalRequest(request)), "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(Signed(request),
            Published("host;range;x-amz-content-sha256;x-amz-date", "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
}

TEST(SigV4, PutObjectSignsThePayloadHashComputedByHand) {
  // The payload is "Welcome to Amazon S3."; its hash is computed here, not copied.
  SigV4Request request = ExampleRequest("PUT");
  request.canonical_path = UriEncode("/test$file.text", true);
  request.payload_sha256 = Sha256Hex("Welcome to Amazon S3.");
  EXPECT_EQ(request.payload_sha256, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  request.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-date", "20130524T000000Z"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                     {"x-amz-content-sha256", request.payload_sha256}};
  EXPECT_EQ(Signed(request),
            Published("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class", "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"));
}

TEST(SigV4, ListObjectsSortsAndEncodesTheQuery) {
  SigV4Request request = ExampleRequest("GET");
  request.canonical_path.assign(1, '/');
  request.query = {{"prefix", "J"}, {"max-keys", "2"}};
  request.headers = {{"x-amz-date", "20130524T000000Z"}, {"x-amz-content-sha256", kEmptySha256}};
  request.payload_sha256 = kEmptySha256;
  EXPECT_EQ(Signed(request),
            Published("host;x-amz-content-sha256;x-amz-date", "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
}

TEST(SigV4, UriEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UriEncode("a b/c+d=é~", true), "a%20b/c%2Bd%3D%C3%A9~");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
}

}  // namespace
}  // namespace sluice
