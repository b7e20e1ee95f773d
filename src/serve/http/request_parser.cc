#include "serve/http/request_parser.h"

#include <cstring>

namespace sluice {

namespace {

// RFC 9110 §5.6.2: the characters of a token (methods, header names).
bool IsTokenChar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != 0;
}

bool IsOws(char c) { return c == ' ' || c == '\t'; }

HeadResult Error(int status, const char* message) {
  HeadResult result;
  result.state = HeadResult::State::kError;
  result.status = status;
  result.message = message;
  return result;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsOws(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsOws(text.back())) text.remove_suffix(1);
  return text;
}

// Whether the comma-separated list `value` holds `token` (case-insensitive).
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    if (EqualsIgnoringCase(Trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// Where the head that starts at `start` ends (after its blank line); 0 when
// `data` does not hold it all yet.
size_t FindHeadEnd(std::string_view data, size_t start, size_t scan_from) {
  size_t pos = scan_from > start + 3 ? scan_from - 3 : start;
  while (pos < data.size()) {
    const void* found = std::memchr(data.data() + pos, '\n', data.size() - pos);
    if (!found) return 0;
    size_t at = static_cast<const char*>(found) - data.data();
    if (at + 1 < data.size() && data[at + 1] == '\n') return at + 2;
    if (at + 2 < data.size() && data[at + 1] == '\r' && data[at + 2] == '\n') return at + 3;
    pos = at + 1;
  }
  return 0;
}

// Reads one line of [pos, end) ending in LF or CRLF; false for a bare CR.
bool NextLine(std::string_view data, size_t& pos, size_t end, std::string_view& line) {
  size_t at = pos;
  while (at < end && data[at] != '\n') ++at;
  size_t line_end = at;
  if (line_end > pos && data[line_end - 1] == '\r') --line_end;
  line = data.substr(pos, line_end - pos);
  pos = at + 1;
  return std::memchr(line.data(), '\r', line.size()) == nullptr;
}

bool ParseLength(std::string_view text, uint64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  out = value;
  return true;
}

}  // namespace

HeadResult ParseRequestHead(std::string_view data, size_t scan_from, size_t max_head_bytes, HttpRequest& request) {
  // RFC 9112 §2.2: blank lines before a request line are ignored.
  size_t start = 0;
  while (start < data.size() && (data[start] == '\r' || data[start] == '\n')) ++start;
  size_t end = start < data.size() ? FindHeadEnd(data, start, scan_from) : 0;
  if (end == 0) {
    if (data.size() > max_head_bytes) return Error(431, "the request head is larger than --max-header-bytes");
    return {};
  }
  if (end > max_head_bytes) return Error(431, "the request head is larger than --max-header-bytes");

  // The request line: METHOD SP TARGET SP HTTP/1.x
  size_t pos = start;
  std::string_view line;
  if (!NextLine(data, pos, end, line)) return Error(400, "a bare CR in the request line");
  size_t method_end = 0;
  while (method_end < line.size() && IsTokenChar(static_cast<unsigned char>(line[method_end]))) ++method_end;
  if (method_end == 0 || method_end >= line.size() || line[method_end] != ' ') return Error(400, "malformed request line");
  request.method = line.substr(0, method_end);
  size_t target_end = method_end + 1;
  while (target_end < line.size() && line[target_end] > 0x20 && line[target_end] < 0x7f) ++target_end;
  if (target_end == method_end + 1 || target_end >= line.size() || line[target_end] != ' ') {
    return Error(400, "malformed request target");
  }
  request.target = line.substr(method_end + 1, target_end - method_end - 1);
  std::string_view version = line.substr(target_end + 1);
  if (version == "HTTP/1.1") {
    request.minor_version = 1;
  } else if (version == "HTTP/1.0") {
    request.minor_version = 0;
  } else if (version.size() >= 6 && version.substr(0, 5) == "HTTP/" && version[5] >= '2' && version[5] <= '9') {
    return Error(505, "only HTTP/1.0 and HTTP/1.1 are served");
  } else {
    return Error(400, "malformed HTTP version");
  }
  if (request.target.front() != '/') return Error(400, "the request target must be a path ('/...')");
  size_t question = request.target.find('?');
  request.path = request.target.substr(0, question);
  request.query = question == std::string_view::npos ? std::string_view() : request.target.substr(question + 1);

  // Header fields: NAME ":" OWS VALUE OWS
  request.num_headers = 0;
  for (;;) {
    if (!NextLine(data, pos, end, line)) return Error(400, "a bare CR in a header line");
    if (line.empty()) break;
    if (IsOws(line.front())) return Error(400, "folded header lines are not accepted");
    size_t colon = 0;
    while (colon < line.size() && IsTokenChar(static_cast<unsigned char>(line[colon]))) ++colon;
    if (colon == 0 || colon >= line.size() || line[colon] != ':') return Error(400, "malformed header field");
    std::string_view value = Trim(line.substr(colon + 1));
    for (char c : value) {
      unsigned char u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) return Error(400, "a control character in a header value");
    }
    if (request.num_headers == HttpRequest::kMaxHeaders) return Error(431, "more than 100 header fields");
    request.headers[request.num_headers++] = {line.substr(0, colon), value};
  }

  HeadResult result;
  result.state = HeadResult::State::kComplete;
  result.head_bytes = end;
  result.keep_alive = request.minor_version == 1;
  bool has_length = false, has_encoding = false;
  size_t hosts = 0;
  for (size_t i = 0; i < request.num_headers; ++i) {
    const HttpHeader& header = request.headers[i];
    if (EqualsIgnoringCase(header.name, "Content-Length")) {
      uint64_t length = 0;
      if (!ParseLength(header.value, length)) return Error(400, "Content-Length is not a number of bytes");
      if (has_length && length != result.content_length) return Error(400, "conflicting Content-Length headers");
      has_length = true;
      result.content_length = length;
    } else if (EqualsIgnoringCase(header.name, "Transfer-Encoding")) {
      if (has_encoding) return Error(400, "more than one Transfer-Encoding header");
      has_encoding = true;
      if (!EqualsIgnoringCase(header.value, "chunked")) return Error(501, "the only transfer coding served is chunked");
      result.chunked = true;
    } else if (EqualsIgnoringCase(header.name, "Connection")) {
      if (HasToken(header.value, "close")) result.keep_alive = false;
      else if (HasToken(header.value, "keep-alive")) result.keep_alive = true;
    } else if (EqualsIgnoringCase(header.name, "Expect")) {
      if (!EqualsIgnoringCase(header.value, "100-continue")) return Error(417, "the only expectation met is 100-continue");
      result.expect_continue = request.minor_version == 1;
    } else if (EqualsIgnoringCase(header.name, "Host")) {
      ++hosts;
    }
  }
  if (has_length && has_encoding) return Error(400, "both Content-Length and Transfer-Encoding");
  if (has_encoding && request.minor_version == 0) return Error(400, "Transfer-Encoding in an HTTP/1.0 request");
  if (request.minor_version == 1 && hosts != 1) return Error(400, "an HTTP/1.1 request needs exactly one Host header");
  return result;
}

ChunkedDecoder::State ChunkedDecoder::Fail(int status, const char* message) {
  status_ = status;
  message_ = message;
  return State::kError;
}

size_t ChunkedDecoder::Compact(char* buffer, size_t size) {
  if (raw_ > decoded_) {
    std::memmove(buffer + decoded_, buffer + raw_, size - raw_);
    size -= raw_ - decoded_;
    raw_ = decoded_;
  }
  return size;
}

ChunkedDecoder::State ChunkedDecoder::Decode(char* buffer, size_t size) {
  while (raw_ < size) {
    if (step_ == Step::kData) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, size - raw_));
      std::memmove(buffer + decoded_, buffer + raw_, n);
      decoded_ += n;
      raw_ += n;
      remaining_ -= n;
      if (remaining_ == 0) step_ = Step::kDataCr;
      continue;
    }
    const char c = buffer[raw_++];
    switch (step_) {
      case Step::kSize: {
        int digit = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10 : -1;
        if (digit >= 0) {
          if (++digits_ > 15) return Fail(400, "a chunk size is too large");
          remaining_ = remaining_ * 16 + static_cast<uint64_t>(digit);
        } else if (c == ';' || c == ' ' || c == '\t') {
          step_ = Step::kExtension;
        } else if (c == '\r') {
          step_ = Step::kSizeLf;
        } else if (c == '\n') {
          step_ = Step::kSizeLf;
          --raw_;  // let kSizeLf see the LF
        } else {
          return Fail(400, "malformed chunk size");
        }
        break;
      }
      case Step::kExtension:
        if (++line_ > max_line_) return Fail(400, "a chunk extension is too long");
        if (c == '\r') step_ = Step::kSizeLf;
        else if (c == '\n') { step_ = Step::kSizeLf; --raw_; }
        break;
      case Step::kSizeLf:
        if (c != '\n') return Fail(400, "a chunk size line does not end in CRLF");
        if (digits_ == 0) return Fail(400, "a chunk has no size");
        line_ = 0;
        digits_ = 0;
        if (remaining_ == 0) {
          step_ = Step::kTrailer;
        } else {
          if (remaining_ > max_body_ - decoded_) return Fail(413, "the request body is larger than --max-body");
          step_ = Step::kData;
        }
        break;
      case Step::kDataCr:
        if (c == '\r') step_ = Step::kDataLf;
        else if (c == '\n') step_ = Step::kSize;
        else return Fail(400, "a chunk is longer than its size");
        break;
      case Step::kDataLf:
        if (c != '\n') return Fail(400, "a chunk is longer than its size");
        step_ = Step::kSize;
        break;
      case Step::kTrailer:
        if (c == '\r') {
          step_ = Step::kTrailerLf;
        } else if (c == '\n') {
          if (line_ == 0) step_ = Step::kDone;
          line_ = 0;
        } else if (++line_ > max_line_) {
          return Fail(400, "a trailer field is too long");
        }
        break;
      case Step::kTrailerLf:
        if (c != '\n') return Fail(400, "a bare CR in the trailer");
        if (line_ == 0) {
          step_ = Step::kDone;
        } else {
          line_ = 0;
          step_ = Step::kTrailer;
        }
        break;
      case Step::kData:
      case Step::kDone:
        break;
    }
    if (step_ == Step::kDone) return State::kComplete;
  }
  return step_ == Step::kDone ? State::kComplete : State::kIncomplete;
}

}  // namespace sluice
