#include "serve/http/request_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice {
namespace {

HeadResult Parse(const std::string& text, HttpRequest& request, size_t max_head = 16384) {
  return ParseRequestHead(text, 0, max_head, request);
}

TEST(RequestParserTest, ReadsRequestLineHeadersAndFramingInPlace) {
  const std::string text =
      "POST /models/a/invocations?header=true&x=1 HTTP/1.1\r\nHost: h\r\nContent-Type:  text/csv \r\n"
      "Content-Length: 12\r\n\r\n40.7,-73.9\r\n";
  HttpRequest request;
  HeadResult result = Parse(text, request);
  ASSERT_EQ(HeadResult::State::kComplete, result.state);
  EXPECT_EQ(text.find("40.7"), result.head_bytes);
  EXPECT_EQ("POST", request.method);
  EXPECT_EQ("/models/a/invocations", request.path);
  EXPECT_EQ("true", request.QueryParam("header"));
  EXPECT_EQ("", request.QueryParam("missing"));
  EXPECT_EQ("text/csv", request.Header("content-type"));  // trimmed, case-insensitive name
  EXPECT_EQ(12u, result.content_length);
  EXPECT_TRUE(result.keep_alive);
  // A view into the buffer, not a copy.
  EXPECT_EQ(text.data() + text.find("text/csv"), request.Header("Content-Type").data());
}

TEST(RequestParserTest, AnIncompleteHeadAsksForMoreAndResumesItsScan) {
  const std::string text = "GET /ping HTTP/1.1\r\nHost: h\r\n\r\n";
  HttpRequest request;
  for (size_t n = 1; n < text.size(); ++n) {
    EXPECT_EQ(HeadResult::State::kIncomplete, ParseRequestHead(text.substr(0, n), n - 1, 1024, request).state) << n;
  }
  EXPECT_EQ(HeadResult::State::kComplete, ParseRequestHead(text, text.size() - 1, 1024, request).state);
}

TEST(RequestParserTest, RefusesWhatTwoParsersCouldReadDifferently) {
  struct Case {
    const char* text;
    int status;
  };
  const Case cases[] = {
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
      {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: a\x01b\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\n\r\n", 400},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
      {"GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"GET /\xff HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505},
      {"GET / HTTP/1.1\r\nHost: h\r\nExpect: something\r\n\r\n", 417},
      {"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
  };
  for (const Case& c : cases) {
    HttpRequest request;
    HeadResult result = Parse(c.text, request);
    EXPECT_EQ(HeadResult::State::kError, result.state) << c.text;
    EXPECT_EQ(c.status, result.status) << c.text;
  }
}

TEST(RequestParserTest, AHeadPastTheLimitIs431EvenBeforeItEnds) {
  HttpRequest request;
  std::string head = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
  head.append(2000, 'a');  // appended: GCC 12's -Warray-bounds misfires on literal + string here
  EXPECT_EQ(431, Parse(head, request, 1024).status);
  EXPECT_EQ(431, Parse(head + "\r\n\r\n", request, 1024).status);
  std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 101; ++i) many += "X: y\r\n";
  EXPECT_EQ(431, Parse(many + "\r\n", request).status);
}

TEST(RequestParserTest, ConnectionAndExpectHeadersAreHonoured) {
  HttpRequest request;
  EXPECT_FALSE(Parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n", request).keep_alive);
  EXPECT_FALSE(Parse("GET / HTTP/1.0\r\n\r\n", request).keep_alive);
  EXPECT_TRUE(Parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", request).keep_alive);
  EXPECT_TRUE(Parse("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", request)
                  .expect_continue);
  // Blank lines before a request line are skipped (RFC 9112 §2.2).
  EXPECT_EQ(HeadResult::State::kComplete, Parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", request).state);
}

// Feeds `body` to a decoder `step` bytes at a time, compacting as the server does.
ChunkedDecoder::State DecodeInSteps(const std::string& body, size_t step, uint64_t max_body, std::string& decoded,
                                    ChunkedDecoder& decoder) {
  std::string buffer;
  size_t next = 0;
  ChunkedDecoder::State state = ChunkedDecoder::State::kIncomplete;
  while (next < body.size()) {
    buffer += body.substr(next, step);
    next += step;
    state = decoder.Decode(buffer.data(), buffer.size());
    if (state != ChunkedDecoder::State::kIncomplete) break;
    buffer.resize(decoder.Compact(buffer.data(), buffer.size()));
  }
  if (state == ChunkedDecoder::State::kComplete) decoded = buffer.substr(0, decoder.decoded_size());
  return state;
}

TEST(ChunkedDecoderTest, DecodesInPlaceWhateverTheStepsAndKeepsWhatFollows) {
  const std::string body = "5;name=value\r\nhello\r\n7\r\n, world\r\n0\r\nTrailer: x\r\n\r\nGET /next";
  for (size_t step : {1u, 2u, 3u, 7u, 100u}) {
    ChunkedDecoder decoder(1000, 64);
    std::string decoded;
    ASSERT_EQ(ChunkedDecoder::State::kComplete, DecodeInSteps(body, step, 1000, decoded, decoder)) << step;
    EXPECT_EQ("hello, world", decoded) << step;
  }
  ChunkedDecoder decoder(1000, 64);
  std::string buffer = body;
  ASSERT_EQ(ChunkedDecoder::State::kComplete, decoder.Decode(buffer.data(), buffer.size()));
  EXPECT_EQ("GET /next", buffer.substr(decoder.consumed()));
}

TEST(ChunkedDecoderTest, PassingMaxBodyIs413BeforeTheChunkIsRead) {
  ChunkedDecoder decoder(10, 64);
  std::string buffer = "8\r\n12345678\r\n8\r\n";
  EXPECT_EQ(ChunkedDecoder::State::kError, decoder.Decode(buffer.data(), buffer.size()));
  EXPECT_EQ(413, decoder.status());
}

TEST(ChunkedDecoderTest, MalformedFramingIs400) {
  for (const char* body : {"x\r\n", "5\r\nhelloX\r\n", "\r\n", "10000000000000000\r\n", "5\rhello\r\n",
                           "3;" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"}) {
    ChunkedDecoder decoder(1u << 20, 64);
    std::string buffer = body;
    EXPECT_EQ(ChunkedDecoder::State::kError, decoder.Decode(buffer.data(), buffer.size())) << body;
    EXPECT_EQ(400, decoder.status()) << body;
  }
}

TEST(ChunkedDecoderTest, OneByteChunksKeepTheBufferNearTheDecodedSize) {
  std::string body;
  for (int i = 0; i < 10000; ++i) body += "1\r\nx\r\n";
  body += "0\r\n\r\n";
  ChunkedDecoder decoder(1u << 20, 64);
  std::string buffer;
  size_t largest = 0;
  for (size_t next = 0; next < body.size(); next += 600) {
    buffer += body.substr(next, 600);
    if (decoder.Decode(buffer.data(), buffer.size()) == ChunkedDecoder::State::kComplete) break;
    buffer.resize(decoder.Compact(buffer.data(), buffer.size()));
    largest = std::max(largest, buffer.size());
  }
  EXPECT_EQ(10000u, decoder.decoded_size());
  EXPECT_LT(largest, 10000u + 600u);  // the decoded bytes and one read, not 6x the framing
}

}  // namespace
}  // namespace sluice
