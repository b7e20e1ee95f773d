#include "io/s3/s3_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/error.h"

namespace sluice {

namespace {

// S3's XML answers are small and flat: the text of each <tag>...</tag>,
// entities decoded, is all sluice reads of them.
std::string DecodeEntities(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const size_t semicolon = text.find(';', i);
    if (semicolon == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    const std::string_view entity = text.substr(i + 1, semicolon - i - 1);
    if (entity == "amp") out.push_back('&');
    else if (entity == "lt") out.push_back('<');
    else if (entity == "gt") out.push_back('>');
    else if (entity == "quot") out.push_back('"');
    else if (entity == "apos") out.push_back('\'');
    else if (!entity.empty() && entity[0] == '#') {
      const bool hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
      const unsigned long code = std::strtoul(std::string(entity.substr(hex ? 2 : 1)).c_str(), nullptr, hex ? 16 : 10);
      // UTF-8 of the code point.
      if (code < 0x80) {
        out.push_back(static_cast<char>(code));
      } else if (code < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
      } else if (code < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
      } else {
        out.push_back(static_cast<char>(0xf0 | (code >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
      }
    } else {
      out.append(text.substr(i, semicolon - i + 1));
    }
    i = semicolon;
  }
  return out;
}

// The text of every <tag>...</tag> in `xml`, in order.
std::vector<std::string> XmlAll(std::string_view xml, const std::string& tag) {
  std::vector<std::string> out;
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  size_t at = 0;
  while ((at = xml.find(open, at)) != std::string_view::npos) {
    const size_t begin = at + open.size();
    const size_t end = xml.find(close, begin);
    if (end == std::string_view::npos) break;
    out.push_back(DecodeEntities(xml.substr(begin, end - begin)));
    at = end + close.size();
  }
  return out;
}

std::string XmlFirst(std::string_view xml, const std::string& tag) {
  auto all = XmlAll(xml, tag);
  return all.empty() ? "" : all[0];
}

// "2009-10-12T17:50:30.000Z" (XML) or "Mon, 12 Oct 2009 17:50:30 GMT" (HTTP).
int64_t ParseTime(const std::string& text) {
  std::tm tm{};
  double seconds = 0;
  int year, month, day, hour, minute;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%lf", &year, &month, &day, &hour, &minute, &seconds) == 6) {
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    const double whole = static_cast<double>(static_cast<int64_t>(seconds));
    tm.tm_sec = static_cast<int>(whole);
    return static_cast<int64_t>(timegm(&tm)) * 1000000000 + static_cast<int64_t>((seconds - whole) * 1e9);
  }
  const time_t parsed = curl_getdate(text.c_str(), nullptr);
  return parsed < 0 ? 0 : static_cast<int64_t>(parsed) * 1000000000;
}

void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One curl handle per thread: its connections are kept for the next request.
struct ThreadHandle {
  CURL* curl = nullptr;
  ~ThreadHandle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

CURL* ThisThreadsHandle() {
  thread_local ThreadHandle handle;
  if (!handle.curl) {
    InitCurl();
    handle.curl = curl_easy_init();
    if (!handle.curl) ThrowInternal("curl_easy_init failed");
  } else {
    curl_easy_reset(handle.curl);
  }
  return handle.curl;
}

struct Transfer {
  S3Client::Response* response;
  const S3Client::Request* request;
  size_t received = 0;      // into `request->into`
  bool overflow = false;    // more bytes than asked for
  const char* upload = nullptr;
  size_t upload_left = 0;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  const long status = transfer->response->status;
  if (transfer->request->into != nullptr && status >= 200 && status < 300) {
    if (transfer->received + bytes > transfer->request->into_size) {
      transfer->overflow = true;
      return 0;  // aborts the transfer
    }
    std::memcpy(transfer->request->into + transfer->received, data, bytes);
    transfer->received += bytes;
  } else {
    if (transfer->response->body.size() + bytes > (64u << 20)) return 0;  // no answer that big is expected
    transfer->response->body.append(data, bytes);
  }
  return bytes;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = size * count;
  std::string line(data, bytes);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after a 100 Continue or a redirect): start over.
    transfer->response->headers.clear();
    const size_t space = line.find(' ');
    transfer->response->status = space == std::string::npos ? 0 : std::strtol(line.c_str() + space + 1, nullptr, 10);
    return bytes;
  }
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return bytes;
  std::string name = line.substr(0, colon);
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
  transfer->response->headers.emplace_back(std::move(name), std::move(value));
  return bytes;
}

size_t OnUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t bytes = std::min(size * count, transfer->upload_left);
  std::memcpy(buffer, transfer->upload, bytes);
  transfer->upload += bytes;
  transfer->upload_left -= bytes;
  return bytes;
}

bool Retryable(long status) { return status >= 500 || status == 429 || status == 408; }

bool RetryableCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

std::string Describe(const S3Client::Response& response) {
  std::string out = "HTTP " + std::to_string(response.status);
  const std::string code = XmlFirst(response.body, "Code");
  if (!code.empty()) out += " " + code;
  const std::string message = XmlFirst(response.body, "Message");
  if (!message.empty()) out += " (" + message + ")";
  return out;
}

}  // namespace

std::string S3Name(const std::string& bucket, const std::string& key) { return "s3://" + bucket + "/" + key; }

std::string S3Client::Response::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

S3Client::S3Client(S3Settings settings) : settings_(std::move(settings)) {}

S3Client& S3Client::Default() {
  static S3Client client(DefaultS3Settings());
  return client;
}

S3Client::Response S3Client::Send(const Request& request) {
  // Where the request goes: path-style http://host/bucket/key or
  // virtual-hosted http://bucket.host/key.
  const size_t scheme_end = settings_.endpoint.find("://") + 3;
  const std::string scheme = settings_.endpoint.substr(0, scheme_end);
  std::string host = settings_.endpoint.substr(scheme_end);
  std::string path = "/";
  if (settings_.path_style) {
    path += UriEncode(request.bucket, false);
    if (!request.key.empty() || request.query.empty()) path += "/" + UriEncode(request.key, true);
  } else {
    host = request.bucket + "." + host;
    path += UriEncode(request.key, true);
  }
  std::string url = scheme + host + path;
  for (size_t i = 0; i < request.query.size(); ++i) {
    url += i == 0 ? '?' : '&';
    url += UriEncode(request.query[i].first, false);
    if (!request.query[i].second.empty() || request.query[i].first != "uploads") {
      url += "=" + UriEncode(request.query[i].second, false);
    }
  }
  const std::string payload_hash = Sha256Hex(std::string_view(request.body ? request.body : "", request.body_size));
  const std::string what =
      request.method + " " + (request.name.empty() ? S3Name(request.bucket, request.key) : request.name);

  std::mt19937_64 random(std::random_device{}());
  std::string last_failure;
  for (int attempt = 1;; ++attempt) {
    SigV4Request signing;
    signing.method = request.method;
    signing.host = host;
    signing.canonical_path = path;
    signing.query = request.query;
    signing.headers = request.headers;
    const std::string amz_date = AmzDateNow();
    signing.headers.emplace_back("x-amz-date", amz_date);
    signing.headers.emplace_back("x-amz-content-sha256", payload_hash);
    if (!settings_.credentials.session_token.empty()) {
      signing.headers.emplace_back("x-amz-security-token", settings_.credentials.session_token);
    }
    signing.payload_sha256 = payload_hash;

    curl_slist* headers = nullptr;
    for (const auto& [name, value] : signing.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
    if (!settings_.credentials.empty()) {
      headers = curl_slist_append(
          headers, ("Authorization: " + SignV4(signing, settings_.credentials, settings_.region, "s3", amz_date)).c_str());
    }
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip before a body

    Response response;
    Transfer transfer{&response, &request};
    transfer.upload = request.body;
    transfer.upload_left = request.body_size;
    CURL* curl = ThisThreadsHandle();
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    // Large receive buffers: fewer reads and callbacks per MiB of a range.
    curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, 512L * 1024);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
    // A transfer that stalls (under 1 KiB/s for stall_seconds) is cut and retried.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(settings_.stall_seconds));
    if (request.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (request.method == "PUT") {
      curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnUpload);
      curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
      curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body_size));
    } else if (request.method == "POST") {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body ? request.body : "");
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body_size));
    } else if (request.method != "GET") {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    const CURLcode code = curl_easy_perform(curl);
    curl_slist_free_all(headers);

    if (code == CURLE_OK && !transfer.overflow && request.into != nullptr && response.status >= 200 &&
        response.status < 300 && transfer.received != request.into_size) {
      // Fewer bytes than asked for: a cut transfer the server did not report.
      last_failure = "the answer ended after " + std::to_string(transfer.received) + " of " +
                     std::to_string(request.into_size) + " bytes";
    } else if (transfer.overflow) {
      ThrowIo(what + ": the server sent more bytes than the " + std::to_string(request.into_size) + " asked for");
    } else if (code == CURLE_OK && !Retryable(response.status)) {
      return response;
    } else if (code != CURLE_OK && !RetryableCurlError(code)) {
      ThrowIo(what + " (" + url.substr(0, url.find('?')) + "): " + curl_easy_strerror(code));
    } else {
      last_failure = code != CURLE_OK ? std::string(curl_easy_strerror(code)) : Describe(response);
    }
    if (attempt >= settings_.max_attempts) {
      ThrowIo(what + ": gave up after " + std::to_string(attempt) + (attempt == 1 ? " attempt" : " attempts") +
              "; the last: " + last_failure);
    }
    // Full jitter: a random wait up to 100 ms * 2^(attempt - 1), at most 5 s.
    const double cap = std::min(5.0, 0.1 * static_cast<double>(1u << std::min(attempt - 1, 16)));
    std::this_thread::sleep_for(std::chrono::duration<double>(std::uniform_real_distribution<double>(0, cap)(random)));
  }
}

void S3Client::Fail(const Request& request, const Response& response, const std::string& what) const {
  const std::string name = request.name.empty() ? S3Name(request.bucket, request.key) : request.name;
  const std::string code = XmlFirst(response.body, "Code");
  const std::string described = Describe(response);
  if (code == "NoSuchBucket" || (response.status == 404 && request.key.empty())) {
    ThrowUsage(name + ": no such bucket '" + request.bucket + "' at " + settings_.endpoint + " (" + described + ")");
  }
  if (code == "NoSuchKey" || response.status == 404) ThrowUsage(name + ": no such object (" + described + ")");
  if (response.status == 412) {
    ThrowInputData(name + ": the object changed while it was read (its ETag is no longer the one first read); "
                          "run again once it is complete");
  }
  const std::string region = response.Header("x-amz-bucket-region");
  if (response.status == 301 || code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" ||
      (!region.empty() && region != settings_.region)) {
    ThrowUsage(name + ": the bucket is in another region" + (region.empty() ? "" : " (" + region + ")") +
               " than the one requests are signed for (" + settings_.region + "): set AWS_REGION" +
               (region.empty() ? "" : "=" + region) + " (" + described + ")");
  }
  if (response.status == 403) {
    ThrowIo(name + ": " + what + ": access denied, " + described + "; the credentials came from " +
            settings_.credentials_from);
  }
  ThrowIo(name + ": " + what + ": " + described);
}

std::vector<S3Object> S3Client::List(const std::string& bucket, const std::string& prefix) {
  std::vector<S3Object> out;
  std::string token;
  std::set<std::string> tokens_seen;
  for (;;) {
    Request request;
    request.bucket = bucket;
    request.query = {{"list-type", "2"}, {"prefix", prefix}};
    request.name = S3Name(bucket, prefix);
    if (!token.empty()) request.query.emplace_back("continuation-token", token);
    Response response = Send(request);
    if (response.status != 200) Fail(request, response, "listing objects under '" + prefix + "'");
    // Block by block, so each object's fields stay together.
    std::string_view body = response.body;
    size_t at = 0;
    while ((at = body.find("<Contents>", at)) != std::string_view::npos) {
      const size_t end = body.find("</Contents>", at);
      if (end == std::string_view::npos) break;
      const std::string_view block = body.substr(at, end - at);
      S3Object object;
      object.key = XmlFirst(block, "Key");
      object.size = std::strtoull(XmlFirst(block, "Size").c_str(), nullptr, 10);
      object.etag = XmlFirst(block, "ETag");
      object.modified_ns = ParseTime(XmlFirst(block, "LastModified"));
      out.push_back(std::move(object));
      at = end;
    }
    if (out.size() > kMaxListedObjects) {
      ThrowUsage(S3Name(bucket, prefix) + ": more than " + std::to_string(kMaxListedObjects) +
                 " objects under this prefix, the most sluice lists; name a narrower prefix");
    }
    if (XmlFirst(response.body, "IsTruncated") != "true") break;
    token = XmlFirst(response.body, "NextContinuationToken");
    if (token.empty()) ThrowIo(S3Name(bucket, prefix) + ": a truncated listing without a continuation token");
    if (tokens_seen.size() >= kMaxListingPages) {
      ThrowIo(S3Name(bucket, prefix) + ": the listing goes on past " + std::to_string(kMaxListingPages) +
              " pages with " + std::to_string(out.size()) + " objects; the server's listing is broken");
    }
    if (!tokens_seen.insert(token).second) {
      ThrowIo(S3Name(bucket, prefix) + ": the listing handed back a continuation token it had given before (it " +
              "would go round forever); the server's listing is broken");
    }
  }
  std::sort(out.begin(), out.end(), [](const S3Object& a, const S3Object& b) { return a.key < b.key; });
  return out;
}

std::optional<S3Object> S3Client::Head(const std::string& bucket, const std::string& key) {
  Request request;
  request.method = "HEAD";
  request.bucket = bucket;
  request.key = key;
  Response response = Send(request);
  if (response.status == 404) return std::nullopt;
  if (response.status != 200) Fail(request, response, "reading the object's size");
  S3Object object;
  object.key = key;
  object.size = std::strtoull(response.Header("content-length").c_str(), nullptr, 10);
  object.etag = response.Header("etag");
  object.modified_ns = ParseTime(response.Header("last-modified"));
  return object;
}

void S3Client::GetRange(const std::string& bucket, const std::string& key, uint64_t offset, size_t length,
                        uint8_t* out, const std::string& etag) {
  if (length == 0) return;
  Request request;
  request.bucket = bucket;
  request.key = key;
  request.headers = {{"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)}};
  if (!etag.empty()) request.headers.emplace_back("If-Match", etag);
  request.into = out;
  request.into_size = length;
  Response response = Send(request);
  if (response.status == 416) {
    ThrowInputData(S3Name(bucket, key) + ": read past the end of the object (bytes " + std::to_string(offset) + "+" +
                   std::to_string(length) + ")");
  }
  if (response.status != 206 && !(response.status == 200 && offset == 0)) {
    Fail(request, response, "reading bytes " + std::to_string(offset) + "+" + std::to_string(length));
  }
}

std::string S3Client::Get(const std::string& bucket, const std::string& key) {
  Request request;
  request.bucket = bucket;
  request.key = key;
  Response response = Send(request);
  if (response.status != 200) Fail(request, response, "reading the object");
  return std::move(response.body);
}

void S3Client::Put(const std::string& bucket, const std::string& key, const std::string& body) {
  Request request;
  request.method = "PUT";
  request.bucket = bucket;
  request.key = key;
  request.body = body.data();
  request.body_size = body.size();
  Response response = Send(request);
  if (response.status != 200) Fail(request, response, "writing the object");
}

void S3Client::Delete(const std::string& bucket, const std::string& key) {
  Request request;
  request.method = "DELETE";
  request.bucket = bucket;
  request.key = key;
  Response response = Send(request);
  if (response.status != 204 && response.status != 200 && response.status != 404) {
    Fail(request, response, "deleting the object");
  }
}

std::string S3Client::CreateMultipartUpload(const std::string& bucket, const std::string& key) {
  Request request;
  request.method = "POST";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"uploads", ""}};
  Response response = Send(request);
  if (response.status != 200) Fail(request, response, "starting a multipart upload");
  const std::string id = XmlFirst(response.body, "UploadId");
  if (id.empty()) ThrowIo(S3Name(bucket, key) + ": the server started a multipart upload without an UploadId");
  return id;
}

std::string S3Client::UploadPart(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                 int part, const char* data, size_t size) {
  Request request;
  request.method = "PUT";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"partNumber", std::to_string(part)}, {"uploadId", upload_id}};
  request.body = data;
  request.body_size = size;
  Response response = Send(request);
  if (response.status != 200) Fail(request, response, "uploading part " + std::to_string(part));
  const std::string etag = response.Header("etag");
  if (etag.empty()) ThrowIo(S3Name(bucket, key) + ": part " + std::to_string(part) + " was taken without an ETag");
  return etag;
}

void S3Client::CompleteMultipartUpload(const std::string& bucket, const std::string& key, const std::string& upload_id,
                                       const std::vector<std::string>& etags) {
  std::string body = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] + "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  Request request;
  request.method = "POST";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"uploadId", upload_id}};
  request.body = body.data();
  request.body_size = body.size();
  Response response = Send(request);
  // S3 may answer 200 with an <Error> body when completing fails late.
  if (response.status != 200 || response.body.find("<Error>") != std::string::npos) {
    Fail(request, response, "completing the multipart upload");
  }
}

void S3Client::AbortMultipartUpload(const std::string& bucket, const std::string& key, const std::string& upload_id) {
  Request request;
  request.method = "DELETE";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"uploadId", upload_id}};
  Response response = Send(request);
  if (response.status != 204 && response.status != 200 && response.status != 404) {
    Fail(request, response, "aborting the multipart upload");
  }
}

}  // namespace sluice
