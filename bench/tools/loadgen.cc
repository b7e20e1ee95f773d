// A fixed-rate (open-loop) HTTP load generator for bench/serve-latency.
// Requests go out on a schedule — rate/connections per keep-alive connection
// — whatever the server's speed, and each latency is measured from the time
// the request was due, not from when it could be sent, so a slow server
// cannot hide its queueing (the "coordinated omission" wrk2 corrects).
//
//   loadgen HOST PORT PATH BODY_FILE CONTENT_TYPE RATE SECONDS CONNECTIONS
//
// Prints one JSON line: requests, errors (non-2xx, resets), achieved rate,
// and latency percentiles in microseconds. Connections are opened before
// the schedule starts.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

int Connect(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads one HTTP response (Content-Length framed); returns its status, or -1.
int ReadResponse(int fd, std::string& buffer) {
  size_t header_end;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    char chunk[4096];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return -1;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  int status = std::atoi(buffer.c_str() + 9);
  size_t length = 0;
  std::string headers = buffer.substr(0, header_end);
  for (char& c : headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t at = headers.find("content-length:");
  if (at != std::string::npos) length = std::strtoull(headers.c_str() + at + 15, nullptr, 10);
  size_t total = header_end + 4 + length;
  while (buffer.size() < total) {
    char chunk[4096];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return -1;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  buffer.erase(0, total);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 9) {
    std::fprintf(stderr, "usage: loadgen HOST PORT PATH BODY_FILE CONTENT_TYPE RATE SECONDS CONNECTIONS\n");
    return 2;
  }
  const std::string host = argv[1], path = argv[3], content_type = argv[5];
  const int port = std::atoi(argv[2]);
  const double rate = std::atof(argv[6]), seconds = std::atof(argv[7]);
  const int connections = std::atoi(argv[8]);
  std::ifstream body_in(argv[4], std::ios::binary);
  std::stringstream body_stream;
  body_stream << body_in.rdbuf();
  const std::string body = body_stream.str();
  const std::string request = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + content_type +
                              "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;

  // Connections are opened before the clock starts, one after another:
  // connection setup is not request latency (and a burst of SYNs can overflow
  // a small listen backlog, costing a second-long SYN retry).
  std::vector<int> sockets(connections, -1);
  for (int c = 0; c < connections; ++c) {
    for (int attempt = 0; attempt < 50 && sockets[c] < 0; ++attempt) {
      sockets[c] = Connect(host, port);
      if (sockets[c] < 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  const auto interval = std::chrono::duration<double>(connections / rate);
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  const auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::vector<uint32_t>> latencies(connections);
  std::atomic<uint64_t> errors{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c) {
    threads.emplace_back([&, c] {
      int fd = sockets[c];
      std::string buffer;
      // Connections start staggered across one interval.
      auto due = start + std::chrono::duration_cast<Clock::duration>(interval * (static_cast<double>(c) / connections));
      auto& mine = latencies[c];
      while (due < end) {
        std::this_thread::sleep_until(due);
        if (fd < 0) fd = Connect(host, port);
        bool ok = fd >= 0 && ::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size());
        int status = ok ? ReadResponse(fd, buffer) : -1;
        auto done = Clock::now();
        if (status < 200 || status >= 300) {
          ++errors;
          if (fd >= 0) ::close(fd);
          fd = -1;
          buffer.clear();
        }
        mine.push_back(static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(done - due).count()));
        due += std::chrono::duration_cast<Clock::duration>(interval);
      }
      if (fd >= 0) ::close(fd);
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<uint32_t> all;
  for (auto& part : latencies) all.insert(all.end(), part.begin(), part.end());
  std::sort(all.begin(), all.end());
  auto percentile = [&](double p) {
    return all.empty() ? 0u : all[std::min(all.size() - 1, static_cast<size_t>(p * static_cast<double>(all.size())))];
  };
  std::printf("{\"requests\":%zu,\"errors\":%llu,\"rate\":%.1f,\"p50_us\":%u,\"p90_us\":%u,\"p99_us\":%u,"
              "\"p999_us\":%u,\"max_us\":%u}\n",
              all.size(), static_cast<unsigned long long>(errors.load()), static_cast<double>(all.size()) / seconds,
              percentile(0.5), percentile(0.9), percentile(0.99), percentile(0.999), all.empty() ? 0u : all.back());
  return 0;
}
