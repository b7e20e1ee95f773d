#pragma once
// HTTP/1.1 request framing (RFC 9112), parsed in place from a connection's
// read buffer: the request line and header fields of a head, then the body,
// by Content-Length or chunked transfer coding. Strict where leniency lets
// two parsers disagree about where a request ends (request smuggling):
// Content-Length must be digits, several of them must agree, it may not come
// with Transfer-Encoding, the only transfer coding is "chunked", header lines
// may not be folded and a bare CR is an error.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "serve/http/http_request.h"

namespace sluice {

struct HeadResult {
  enum class State { kIncomplete, kComplete, kError } state = State::kIncomplete;
  size_t head_bytes = 0;        // kComplete: the head's length, its blank line included
  int status = 0;               // kError: the status to answer with
  const char* message = "";     // kError: why, for the client
  bool chunked = false;         // kComplete: the body is chunked
  uint64_t content_length = 0;  // kComplete and not chunked: the body's length
  bool keep_alive = true;       // kComplete: whether the client keeps the connection
  bool expect_continue = false; // kComplete: "Expect: 100-continue"
};

// Parses the head at the start of `data` into `request` (its views point
// into `data`). `scan_from`: where the search for the head's end may resume
// (the size of data at the previous, incomplete, call); a head longer than
// `max_head_bytes` is an error (431).
HeadResult ParseRequestHead(std::string_view data, size_t scan_from, size_t max_head_bytes, HttpRequest& request);

// Decodes a chunked body in place: the chunks' data is moved down to form one
// contiguous body at the start of the region. Feed it the region again each
// time more bytes have arrived after it.
class ChunkedDecoder {
 public:
  enum class State { kIncomplete, kComplete, kError };

  // `max_body`: decoded bytes allowed (413 once passed); `max_line`: longest
  // chunk-size line or trailer field.
  ChunkedDecoder(uint64_t max_body, size_t max_line) : max_body_(max_body), max_line_(max_line) {}

  // Decodes what `buffer[0, size)` holds beyond what earlier calls read
  // (the buffer's start is the body's start and may not move between calls).
  State Decode(char* buffer, size_t size);
  // kIncomplete: drops the framing read so far by moving the unread bytes
  // down to the end of the decoded body; returns the bytes now in use.
  size_t Compact(char* buffer, size_t size);
  // kComplete: the body's decoded length, and how many raw bytes the chunked
  // message took (any bytes after them belong to the next request).
  size_t decoded_size() const { return decoded_; }
  size_t consumed() const { return raw_; }
  // kError: the status (400 or 413) and why.
  int status() const { return status_; }
  const char* message() const { return message_; }

 private:
  enum class Step { kSize, kExtension, kSizeLf, kData, kDataCr, kDataLf, kTrailer, kTrailerLf, kDone };
  State Fail(int status, const char* message);

  const uint64_t max_body_;
  const size_t max_line_;
  Step step_ = Step::kSize;
  size_t raw_ = 0;        // raw bytes read
  size_t decoded_ = 0;    // decoded bytes, at buffer[0, decoded_)
  uint64_t remaining_ = 0;  // bytes left in the current chunk
  size_t line_ = 0;       // bytes of the current size line or trailer line
  int digits_ = 0;
  int status_ = 0;
  const char* message_ = "";
};

}  // namespace sluice
