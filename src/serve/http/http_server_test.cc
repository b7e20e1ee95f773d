#include "serve/http/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace sluice {
namespace {

// Echoes the method, path and body; /slow takes 300 ms on a worker.
class EchoHandler : public HttpHandler {
 public:
  Dispatch Route(const HttpRequest& head, HttpResponse& response) override {
    if (head.path == "/refuse") {
      response.status = 403;
      response.body = "{}";
      return Dispatch::kAnswered;
    }
    return head.path == "/slow" ? Dispatch::kWorker : Dispatch::kInline;
  }
  void Handle(const HttpRequest& request, HttpResponse& response) override {
    if (request.path == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(300));
    if (request.path == "/throw") throw std::runtime_error("secret internals");
    response.content_type = "text/plain";
    response.body = std::string(request.method) + " " + std::string(request.path) + " " + std::string(request.body);
  }
  void Answered(const HttpRequest*, const HttpResponse& response, bool by_server) override {
    if (by_server) ++server_answers;
  }
  std::atomic<int> server_answers{0};
};

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options) {
    options.port = 0;
    options.io_threads = 1;
    options.workers = 2;
    server_ = std::make_unique<HttpServer>(options, handler_);
    port_ = server_->Bind();
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      server_->Stop();
      thread_.join();
    }
  }
  int Connect() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port_));
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    EXPECT_EQ(0, ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address));
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return fd;
  }
  static void Send(int fd, const std::string& text) { ASSERT_EQ(text.size(), static_cast<size_t>(::write(fd, text.data(), text.size()))); }
  // One connection: `request` sent, everything until the server closes read.
  std::string Exchange(const std::string& request) {
    int fd = Connect();
    Send(fd, request);
    std::string all = Receive(fd);
    ::close(fd);
    return all;
  }
  // What the server sends until it closes or `responses` whole responses
  // (Content-Length framed; not for answers to HEAD) have come.
  static std::string Receive(int fd, int responses = 1000) {
    std::string all;
    char buffer[4096];
    while (CountResponses(all) < responses) {
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n <= 0) break;
      all.append(buffer, static_cast<size_t>(n));
    }
    return all;
  }
  static int CountResponses(const std::string& all) {
    int count = 0;
    size_t pos = 0;
    for (;;) {
      size_t head_end = all.find("\r\n\r\n", pos);
      if (head_end == std::string::npos) return count;
      size_t length_at = all.find("Content-Length: ", pos);
      size_t length = length_at < head_end ? std::stoul(all.substr(length_at + 16)) : 0;
      if (all.size() < head_end + 4 + length) return count;
      pos = head_end + 4 + length;
      ++count;
    }
  }

  EchoHandler handler_;
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  Start({});
  int fd = Connect();
  Send(fd,
       "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nonePOST /slow HTTP/1.1\r\nHost: h\r\n"
       "Transfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\nGET /c HTTP/1.1\r\nHost: h\r\n\r\n");
  std::string all = Receive(fd, 3);
  size_t one = all.find("POST /a one"), two = all.find("POST /slow two"), three = all.find("GET /c ");
  ASSERT_NE(std::string::npos, one) << all;
  ASSERT_NE(std::string::npos, two) << all;
  ASSERT_NE(std::string::npos, three) << all;
  EXPECT_LT(one, two);
  EXPECT_LT(two, three);
  ::close(fd);
}

TEST_F(HttpServerTest, HeadGetsHeadersOnlyAndAHandlerExceptionIsA500WithoutItsMessage) {
  Start({});
  std::string all = Exchange("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\nGET /throw HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
  EXPECT_NE(std::string::npos, all.find("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\nHTTP/1.1 500"))
      << all;
  EXPECT_EQ(std::string::npos, all.find("secret")) << all;
  EXPECT_NE(std::string::npos, all.find("Connection: close")) << all;
}

TEST_F(HttpServerTest, ARefusedRequestWithABodyClosesTheConnectionAfterAnswering) {
  Start({});
  std::string all = Exchange("POST /refuse HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\npartial");
  EXPECT_EQ(0u, all.find("HTTP/1.1 403")) << all;
  EXPECT_NE(std::string::npos, all.find("Connection: close")) << all;
}

TEST_F(HttpServerTest, AFullQueueIsA503WithRetryAfterAtOnce) {
  HttpServerOptions options;
  options.max_queue = 1;
  Start(options);
  // Two workers busy and one request queued: the fourth is refused at once.
  int fds[4];
  for (int& fd : fds) {
    fd = Connect();
    Send(fd, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  auto start = std::chrono::steady_clock::now();
  std::string refused = Receive(fds[3], 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
  EXPECT_EQ(0u, refused.find("HTTP/1.1 503")) << refused;
  EXPECT_NE(std::string::npos, refused.find("Retry-After: 1")) << refused;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(0u, Receive(fds[i], 1).find("HTTP/1.1 200")) << i;
  for (int fd : fds) ::close(fd);
  EXPECT_EQ(1u, server_->stats().queue_rejected.load());
}

TEST_F(HttpServerTest, StopFinishesTheRequestInFlightAndClosesIdleConnections) {
  HttpServerOptions options;
  options.drain_timeout = std::chrono::milliseconds(2000);
  Start(options);
  int idle = Connect();
  Send(idle, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(0u, Receive(idle, 1).find("HTTP/1.1 200"));
  int busy = Connect();
  Send(busy, "GET /slow HTTP/1.1\r\nHost: h\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  std::string answer = Receive(busy);
  thread_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_EQ(0u, answer.find("HTTP/1.1 200")) << answer;
  EXPECT_NE(std::string::npos, answer.find("Connection: close")) << answer;
  char byte;
  EXPECT_EQ(0, ::read(idle, &byte, 1));  // closed by the drain
  ::close(idle);
  ::close(busy);
}

}  // namespace
}  // namespace sluice
