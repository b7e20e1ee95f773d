// libFuzzer target for the HTTP/1.1 framing the server reads from a socket:
// a request head, then a chunked body, fed a few bytes at a time (the first
// byte picks the step) as slow clients send them. Whatever arrives, parsing
// must agree with parsing it all at once, every view must lie inside the
// buffer, and a chunked body may never decode past its limit.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "serve/http/http_request.h"
#include "serve/http/request_parser.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

bool Inside(std::string_view view, const char* begin, size_t size) {
  return view.empty() || (view.data() >= begin && view.data() + view.size() <= begin + size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t step = 1 + data[0] % 16;
  const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);
  constexpr size_t kMaxHead = 1024, kMaxBody = 4096;

  sluice::HttpRequest whole;
  sluice::HeadResult at_once = sluice::ParseRequestHead(input, 0, kMaxHead, whole);

  sluice::HttpRequest request;
  sluice::HeadResult result;
  size_t fed = 0, scan_from = 0;
  while (fed < input.size()) {
    fed = std::min(input.size(), fed + step);
    result = sluice::ParseRequestHead(std::string_view(input.data(), fed), scan_from, kMaxHead, request);
    if (result.state != sluice::HeadResult::State::kIncomplete) break;
    scan_from = fed;
  }
  if (result.state == sluice::HeadResult::State::kComplete) {
    Require(at_once.state == sluice::HeadResult::State::kComplete && at_once.head_bytes == result.head_bytes &&
            at_once.content_length == result.content_length && at_once.chunked == result.chunked);
    Require(result.head_bytes <= fed && result.head_bytes <= kMaxHead);
    for (std::string_view view : {request.method, request.target, request.path, request.query}) {
      Require(Inside(view, input.data(), fed));
    }
    for (size_t i = 0; i < request.num_headers; ++i) {
      Require(Inside(request.headers[i].name, input.data(), fed) && Inside(request.headers[i].value, input.data(), fed));
    }
  } else if (result.state == sluice::HeadResult::State::kError) {
    Require(result.status >= 400 && result.status < 600);
  }

  // The rest as a chunked body, decoded in place as it arrives, the framing
  // dropped after every step as the server does.
  const size_t body_start = result.state == sluice::HeadResult::State::kComplete ? result.head_bytes : 0;
  std::vector<char> buffer;
  sluice::ChunkedDecoder decoder(kMaxBody, 64);
  size_t next = body_start;
  while (next < input.size()) {
    const size_t n = std::min(step, input.size() - next);
    buffer.insert(buffer.end(), input.begin() + static_cast<std::ptrdiff_t>(next),
                  input.begin() + static_cast<std::ptrdiff_t>(next + n));
    next += n;
    auto state = decoder.Decode(buffer.data(), buffer.size());
    if (state == sluice::ChunkedDecoder::State::kError) {
      Require(decoder.status() == 400 || decoder.status() == 413);
      break;
    }
    Require(decoder.decoded_size() <= kMaxBody);
    if (state == sluice::ChunkedDecoder::State::kComplete) {
      Require(decoder.consumed() <= buffer.size() && decoder.decoded_size() <= decoder.consumed());
      break;
    }
    buffer.resize(decoder.Compact(buffer.data(), buffer.size()));
    Require(buffer.size() <= kMaxBody + step + 64);
  }
  return 0;
}
