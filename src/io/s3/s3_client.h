#pragma once
// S3's REST API over libcurl, signed with SigV4 (sigv4.h): the handful of
// calls sluice needs to read datasets and write outputs where they live.
//
// Every request is retried with exponential backoff and full jitter (100 ms
// doubling, at most 5 s between tries) on what a later try can cure: a 5xx
// answer (503 SlowDown among them), 429, a dropped or reset connection, a
// timeout. After settings.max_attempts tries it fails with an I/O error
// naming the bucket, key, HTTP status and S3's error code. What no retry can
// cure gets its own message: NoSuchBucket and NoSuchKey (usage errors, exit
// 2), 403 AccessDenied / SignatureDoesNotMatch / InvalidAccessKeyId (saying
// where the credentials came from, never what they are), a bucket in another
// region (naming it), and 412 (an object that changed while it was read:
// input data, exit 3). Each thread keeps its own curl handle, so connections
// are reused and many ranges can be in flight from the pool's threads.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "io/s3/s3_settings.h"

namespace sluice {

struct S3Object {
  std::string key;
  uint64_t size = 0;
  std::string etag;         // with its quotes, as S3 sends it
  int64_t modified_ns = 0;  // Last-Modified, Unix nanoseconds
};

class S3Client {
 public:
  explicit S3Client(S3Settings settings);
  // The client for the process's settings (DefaultS3Settings()).
  static S3Client& Default();
  const S3Settings& settings() const { return settings_; }

  // Every object whose key starts with `prefix`, in key order (all pages of
  // ListObjectsV2). At most kMaxListedObjects (a usage error past it, asking
  // for a narrower prefix). A server that would be listed forever is an I/O
  // error: one that hands back a continuation token it gave before, or goes
  // on past kMaxListingPages pages (S3 sends 1,000 objects a page).
  std::vector<S3Object> List(const std::string& bucket, const std::string& prefix);
  static constexpr size_t kMaxListedObjects = 1000000;
  static constexpr size_t kMaxListingPages = 20000;
  // The object's size, ETag and time; nullopt when there is no such key.
  std::optional<S3Object> Head(const std::string& bucket, const std::string& key);
  // Bytes [offset, offset + length) into `out`. With `etag`, the read fails
  // (input data) if the object is no longer that version.
  void GetRange(const std::string& bucket, const std::string& key, uint64_t offset, size_t length, uint8_t* out,
                const std::string& etag = "");
  // A whole (small) object.
  std::string Get(const std::string& bucket, const std::string& key);
  void Put(const std::string& bucket, const std::string& key, const std::string& body);
  void Delete(const std::string& bucket, const std::string& key);

  // Multipart upload: parts numbered from 1, each but the last at least 5 MiB.
  std::string CreateMultipartUpload(const std::string& bucket, const std::string& key);
  std::string UploadPart(const std::string& bucket, const std::string& key, const std::string& upload_id, int part,
                         const char* data, size_t size);  // returns the part's ETag
  void CompleteMultipartUpload(const std::string& bucket, const std::string& key, const std::string& upload_id,
                               const std::vector<std::string>& etags);
  void AbortMultipartUpload(const std::string& bucket, const std::string& key, const std::string& upload_id);

  struct Request {
    std::string method = "GET";
    std::string bucket, key;
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;
    const char* body = nullptr;
    size_t body_size = 0;
    uint8_t* into = nullptr;  // a GET's body goes here (exactly into_size bytes) instead of Response::body
    size_t into_size = 0;
    std::string name;  // what messages call it; S3Name(bucket, key) when empty
  };
  struct Response {
    long status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // names lowercase
    std::string Header(const std::string& name) const;
  };
  // Sends `request` with retries; returns the first answer that is not worth
  // retrying (any status: the caller decides), or throws when the tries run out.
  Response Send(const Request& request);
  // The error for a non-2xx answer, as described above.
  [[noreturn]] void Fail(const Request& request, const Response& response, const std::string& what) const;

 private:
  S3Settings settings_;
};

// "s3://bucket/key" for messages.
std::string S3Name(const std::string& bucket, const std::string& key);

}  // namespace sluice
