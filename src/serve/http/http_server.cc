#include "serve/http/http_server.h"

#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "common/error.h"
#include "serve/http/request_parser.h"

namespace sluice {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kReadChunk = 16u << 10;
constexpr size_t kHeadChunk = 4u << 10;
// After this many connections closed, freed memory is handed back to the
// system (glibc keeps it otherwise, and a burst of clients would leave the
// server's RSS high for good).
constexpr uint64_t kTrimEveryCloses = 64;
// A connection keeps a buffer this small between requests; a larger one
// (a big body) is given back when its request is answered.
constexpr size_t kKeptBuffer = 16u << 10;
// After answering with Connection: close while the client may still be
// sending, read and drop its bytes for this long before closing, so the
// kernel does not reset the connection and lose the answer.
constexpr std::chrono::milliseconds kLingerTime{2000};
constexpr std::chrono::milliseconds kSweepEvery{100};

// A growable byte buffer that never zero-fills.
class ByteBuffer {
 public:
  char* data() { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  size_t free() const { return capacity_ - size_; }
  void Grow(size_t needed) {
    if (needed <= capacity_) return;
    size_t capacity = std::max(needed, std::min(capacity_ * 2, needed + (1u << 20)));
    std::unique_ptr<char[]> bigger(new char[capacity]);
    if (size_) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }
  void Added(size_t n) { size_ += n; }
  void Truncate(size_t n) { size_ = std::min(n, size_); }
  // Drops the first `n` bytes.
  void Consume(size_t n) {
    if (n < size_) std::memmove(data_.get(), data_.get() + n, size_ - n);
    size_ -= std::min(n, size_);
  }
  void Release() {
    data_.reset();
    size_ = capacity_ = 0;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0, capacity_ = 0;
};

std::string JsonMessage(const char* message) {
  // Server messages are fixed ASCII text: no escaping beyond quotes needed.
  std::string out = "{\"error\":\"";
  for (const char* p = message; *p; ++p) {
    if (*p == '"' || *p == '\\') out.push_back('\\');
    out.push_back(*p);
  }
  out += "\"}";
  return out;
}

}  // namespace

const char* CloseReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kClient: return "client";
    case CloseReason::kIdleTimeout: return "idle_timeout";
    case CloseReason::kHeaderTimeout: return "header_timeout";
    case CloseReason::kBodyTimeout: return "body_timeout";
    case CloseReason::kWriteTimeout: return "write_timeout";
    case CloseReason::kEvicted: return "evicted";
    case CloseReason::kOverCapacity: return "over_capacity";
    case CloseReason::kBadRequest: return "bad_request";
    case CloseReason::kDrained: return "drained";
    case CloseReason::kError: return "error";
    case CloseReason::kCount: break;
  }
  return "unknown";
}

std::string RenderServerMetrics(const HttpServerStats& stats) {
  std::string out;
  char line[256];
  auto family = [&](const char* name, const char* type, const char* help) {
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    out += line;
  };
  auto sample = [&](const char* text, long long value) {
    std::snprintf(line, sizeof line, "%s %lld\n", text, value);
    out += line;
  };
  family("sluice_connections_open", "gauge", "Open client connections.");
  sample("sluice_connections_open", static_cast<long long>(stats.open_connections.load()));
  family("sluice_connections_accepted_total", "counter", "Client connections accepted.");
  sample("sluice_connections_accepted_total", static_cast<long long>(stats.accepted.load()));
  family("sluice_connections_closed_total", "counter", "Client connections closed, by why.");
  for (size_t i = 0; i < static_cast<size_t>(CloseReason::kCount); ++i) {
    std::string text = std::string("sluice_connections_closed_total{reason=\"")
                           .append(CloseReasonName(static_cast<CloseReason>(i)))
                           .append("\"}");
    sample(text.c_str(), static_cast<long long>(stats.closed[i].load()));
  }
  family("sluice_queue_depth", "gauge", "Requests waiting for a worker thread.");
  sample("sluice_queue_depth", static_cast<long long>(stats.queue_depth.load()));
  family("sluice_queue_rejected_total", "counter", "Requests answered 503 because the queue was full.");
  sample("sluice_queue_rejected_total", static_cast<long long>(stats.queue_rejected.load()));
  return out;
}

class HttpServer::Impl {
 public:
  class Loop;

  struct Connection {
    enum class State { kHead, kBody, kProcessing, kWriting, kLingering };
    int fd = -1;
    Loop* loop = nullptr;
    size_t index = 0;  // in the loop's connections_
    State state = State::kHead;
    bool closed = false;      // fd closed; the object waits to be freed
    bool peer_gone = false;   // the client vanished while a worker had the request
    bool started = false;     // bytes of the current request have arrived
    bool keep_alive = true;
    bool head_only = false;   // a HEAD request
    bool by_server = false;   // the response is the server's, not the handler's
    bool head_parsed = false; // `request` holds a parsed head
    Clock::time_point deadline;
    CloseReason timeout_reason = CloseReason::kIdleTimeout;
    CloseReason close_reason = CloseReason::kClient;  // counted when a Connection: close answer is done
    ByteBuffer in;
    size_t scan_from = 0;
    const char* parsed_base = nullptr;  // in.data() when the head was parsed
    HttpRequest request;
    HeadResult head;
    Dispatch dispatch = Dispatch::kInline;
    std::optional<ChunkedDecoder> chunked;
    size_t message_end = 0;  // bytes of `in` the request took
    HttpResponse response;
    std::string out_head;
    size_t written = 0;
    Connection* idle_prev = nullptr;  // the loop's list of idle connections, oldest first
    Connection* idle_next = nullptr;
    bool idle = false;
  };

  class WorkQueue {
   public:
    explicit WorkQueue(size_t max, std::atomic<int64_t>& depth) : max_(max), depth_(depth) {}
    bool TryPush(Connection* connection) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (queue_.size() >= max_) return false;
        queue_.push_back(connection);
        depth_ = static_cast<int64_t>(queue_.size());
      }
      wake_.notify_one();
      return true;
    }
    // The next request; nullptr once closed.
    Connection* Pop() {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return closed_ || !queue_.empty(); });
      if (queue_.empty()) return nullptr;
      Connection* connection = queue_.front();
      queue_.pop_front();
      depth_ = static_cast<int64_t>(queue_.size());
      return connection;
    }
    // Requests still waiting, taken out (the drain's deadline passed).
    std::deque<Connection*> TakeAll() {
      std::lock_guard<std::mutex> lock(mutex_);
      std::deque<Connection*> all;
      all.swap(queue_);
      depth_ = 0;
      return all;
    }
    void Close() {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        closed_ = true;
      }
      wake_.notify_all();
    }

   private:
    const size_t max_;
    std::atomic<int64_t>& depth_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Connection*> queue_;
    bool closed_ = false;
  };

  class Loop {
   public:
    explicit Loop(Impl& server) : server_(server) {
      epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
      wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (epoll_ < 0 || wake_fd_ < 0) ThrowIo(std::string("cannot create an event loop: ") + std::strerror(errno));
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.ptr = &wake_fd_;
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_fd_, &event);
    }
    ~Loop() {
      for (Connection* connection : connections_) {
        if (!connection->closed) ::close(connection->fd);
        delete connection;
      }
      for (Connection* connection : graveyard_) delete connection;
      ::close(wake_fd_);
      ::close(epoll_);
    }

    void Listen(int listen_fd) {
      listen_fd_ = listen_fd;
      ResumeAccepting();
    }

    // From a worker: the request on `connection` has its response.
    void Complete(Connection* connection) {
      bool was_empty;
      {
        std::lock_guard<std::mutex> lock(completed_mutex_);
        was_empty = completed_.empty();
        completed_.push_back(connection);
      }
      if (was_empty) Wake();
    }
    // On a worker: answers the request, then hands it back to the loop.
    void Work(Connection* connection) {
      RunHandler(connection);
      Complete(connection);
    }
    void Wake() {
      uint64_t one = 1;
      ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
      (void)ignored;
    }

    void Run();

   private:
    void ResumeAccepting() {
      epoll_event event{};
      event.events = EPOLLIN | EPOLLEXCLUSIVE;
      event.data.ptr = &listen_fd_;
      accepting_ = ::epoll_ctl(epoll_, EPOLL_CTL_ADD, listen_fd_, &event) == 0;
    }
    void PauseAccepting() {
      if (accepting_) ::epoll_ctl(epoll_, EPOLL_CTL_DEL, listen_fd_, nullptr);
      accepting_ = false;
    }
    void Accept();
    void Drive(Connection* c);
    bool Advance(Connection* c);
    bool Read(Connection* c);
    bool Write(Connection* c);
    void Linger(Connection* c);
    void StartHandling(Connection* c);
    void RunHandler(Connection* c);
    void ServerAnswer(Connection* c, int status, const char* message, bool keep_alive);
    void StartResponse(Connection* c);
    void FinishResponse(Connection* c);
    void Close(Connection* c, CloseReason reason);
    void MarkIdle(Connection* c);
    void UnmarkIdle(Connection* c);
    void Sweep(Clock::time_point now);
    void BeginDrain();
    void TakeCompleted();

    Impl& server_;
    int epoll_ = -1;
    int wake_fd_ = -1;
    int listen_fd_ = -1;
    bool accepting_ = false;
    bool draining_ = false;
    Clock::time_point drain_deadline_;
    bool drain_expired_ = false;
    uint64_t closed_since_trim_ = 0;
    std::vector<Connection*> connections_;  // every one not yet freed
    std::vector<Connection*> graveyard_;    // closed during this round of events
    Connection* idle_head_ = nullptr;
    Connection* idle_tail_ = nullptr;
    std::mutex completed_mutex_;
    std::vector<Connection*> completed_;
  };

  Impl(const HttpServerOptions& options, HttpHandler& handler, HttpServerStats& stats)
      : options_(options), handler_(handler), stats_(stats), queue_(options.max_queue, stats.queue_depth) {}
  ~Impl() {
    loops_.clear();  // their connections first, then the socket they accepted from
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  int Bind();
  void Run();
  void Stop() {
    stopping_ = true;
    for (auto& loop : loops_) loop->Wake();
  }

  const HttpServerOptions& options_;
  HttpHandler& handler_;
  HttpServerStats& stats_;
  WorkQueue queue_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::vector<std::unique_ptr<Loop>> loops_;
};

int HttpServer::Impl::Bind() {
  // Connections are file descriptors: allow as many as the hard limit does.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* addresses = nullptr;
  std::string port = std::to_string(options_.port);
  int status = ::getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &addresses);
  if (status != 0) ThrowUsage("cannot bind " + options_.host + ": " + ::gai_strerror(status));
  std::string failure = "no address";
  for (addrinfo* address = addresses; address; address = address->ai_next) {
    int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, address->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, address->ai_addr, address->ai_addrlen) == 0 && ::listen(fd, 4096) == 0) {
      listen_fd_ = fd;
      break;
    }
    failure = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(addresses);
  if (listen_fd_ < 0) ThrowIo("cannot bind " + options_.host + ":" + port + ": " + failure);
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &length);
  // The loops exist from here on, before any thread that may call Stop().
  for (size_t i = 0; i < options_.io_threads; ++i) {
    loops_.push_back(std::make_unique<Loop>(*this));
    loops_.back()->Listen(listen_fd_);
  }
  if (bound.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

void HttpServer::Impl::Run() {
  if (loops_.empty()) ThrowInternal("HttpServer::Run before Bind");
  std::vector<std::thread> workers;
  for (size_t i = 0; i < options_.workers; ++i) {
    workers.emplace_back([this] {
      while (Connection* connection = queue_.Pop()) {
        connection->loop->Work(connection);
      }
    });
  }
  std::vector<std::thread> threads;
  for (size_t i = 1; i < loops_.size(); ++i) threads.emplace_back([this, i] { loops_[i]->Run(); });
  loops_[0]->Run();  // each loop sees stopping_ at its next turn, however early Stop() came
  for (auto& thread : threads) thread.join();
  queue_.Close();
  for (auto& worker : workers) worker.join();
}

void HttpServer::Impl::Loop::Run() {
  epoll_event events[256];
  Clock::time_point last_sweep = Clock::now();
  for (;;) {
    if (server_.stopping_ && !draining_) BeginDrain();
    if (draining_ && connections_.empty()) break;
    int n = ::epoll_wait(epoll_, events, 256, static_cast<int>(kSweepEvery.count()));
    for (int i = 0; i < n; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &wake_fd_) {
        uint64_t count;
        while (::read(wake_fd_, &count, sizeof count) > 0) {
        }
        TakeCompleted();
        continue;
      }
      if (tag == &listen_fd_) {
        if (!draining_) Accept();
        continue;
      }
      auto* c = static_cast<Connection*>(tag);
      if (c->closed) continue;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) {
        if (c->state == Connection::State::kProcessing) {
          c->peer_gone = true;  // freed when its worker is done
          ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c->fd, nullptr);
          continue;
        }
        // A lingering connection ends this way normally: count it for why
        // it was being closed.
        Close(c, c->state == Connection::State::kLingering ? c->timeout_reason : CloseReason::kClient);
        continue;
      }
      Drive(c);
    }
    Clock::time_point now = Clock::now();
    if (now - last_sweep >= kSweepEvery) {
      last_sweep = now;
      Sweep(now);
    }
    for (Connection* dead : graveyard_) {
      // Swap-remove: O(1) whatever the number of connections.
      Connection* last = connections_.back();
      connections_[dead->index] = last;
      last->index = dead->index;
      connections_.pop_back();
      delete dead;
    }
    graveyard_.clear();
  }
  PauseAccepting();
}

void HttpServer::Impl::Loop::TakeCompleted() {
  std::vector<Connection*> done;
  {
    std::lock_guard<std::mutex> lock(completed_mutex_);
    done.swap(completed_);
  }
  for (Connection* c : done) {
    if (c->closed) {
      graveyard_.push_back(c);  // closed while a worker had it
      continue;
    }
    if (c->peer_gone) {
      c->state = Connection::State::kHead;
      Close(c, CloseReason::kClient);
      continue;
    }
    StartResponse(c);
    Drive(c);
  }
}

void HttpServer::Impl::Loop::Accept() {
  for (int accepted = 0; accepted < 64; ++accepted) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR) continue;
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: make room from the idle, else wait a sweep.
        if (idle_head_) {
          Close(idle_head_, CloseReason::kEvicted);
          continue;
        }
        PauseAccepting();
      }
      return;
    }
    ++server_.stats_.accepted;
    if (static_cast<size_t>(server_.stats_.open_connections.load()) >= server_.options_.max_connections) {
      if (idle_head_) {
        Close(idle_head_, CloseReason::kEvicted);
      } else {
        static const char kFull[] =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: 55\r\n"
            "Retry-After: 1\r\nConnection: close\r\n\r\n{\"error\":\"the server is at --max-connections, retry\"}\n";
        ssize_t ignored = ::send(fd, kFull, sizeof kFull - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)ignored;
        ::close(fd);
        ++server_.stats_.closed[static_cast<size_t>(CloseReason::kOverCapacity)];
        continue;
      }
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto* c = new Connection;
    c->fd = fd;
    c->loop = this;
    // A new connection must send its head within header_timeout.
    c->deadline = Clock::now() + server_.options_.header_timeout;
    c->timeout_reason = CloseReason::kIdleTimeout;
    c->index = connections_.size();
    connections_.push_back(c);
    ++server_.stats_.open_connections;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.ptr = c;
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event) != 0) {
      Close(c, CloseReason::kError);
      continue;
    }
    MarkIdle(c);
    Drive(c);
  }
}

void HttpServer::Impl::Loop::MarkIdle(Connection* c) {
  if (c->idle) return;
  c->idle = true;
  c->idle_prev = idle_tail_;
  c->idle_next = nullptr;
  if (idle_tail_) idle_tail_->idle_next = c;
  else idle_head_ = c;
  idle_tail_ = c;
}

void HttpServer::Impl::Loop::UnmarkIdle(Connection* c) {
  if (!c->idle) return;
  c->idle = false;
  if (c->idle_prev) c->idle_prev->idle_next = c->idle_next;
  else idle_head_ = c->idle_next;
  if (c->idle_next) c->idle_next->idle_prev = c->idle_prev;
  else idle_tail_ = c->idle_prev;
  c->idle_prev = c->idle_next = nullptr;
}

void HttpServer::Impl::Loop::Close(Connection* c, CloseReason reason) {
  if (c->closed) return;
  UnmarkIdle(c);
  ::close(c->fd);  // also takes it out of the epoll set
  c->closed = true;
  ++closed_since_trim_;
  --server_.stats_.open_connections;
  ++server_.stats_.closed[static_cast<size_t>(reason)];
  // A connection a worker holds is freed when the worker hands it back.
  if (c->state == Connection::State::kProcessing) {
    c->peer_gone = true;
    return;
  }
  graveyard_.push_back(c);
}

// Moves the connection along as far as its bytes allow.
void HttpServer::Impl::Loop::Drive(Connection* c) {
  while (!c->closed) {
    switch (c->state) {
      case Connection::State::kProcessing:
        return;
      case Connection::State::kWriting:
        if (!Write(c)) return;
        break;
      case Connection::State::kLingering:
        Linger(c);
        return;
      case Connection::State::kHead:
      case Connection::State::kBody:
        if (Advance(c)) break;
        if (!Read(c)) return;
        break;
    }
  }
}

// One read into the buffer; false when nothing more can be read now.
bool HttpServer::Impl::Loop::Read(Connection* c) {
  const HttpServerOptions& options = server_.options_;
  // A head is read into a small buffer that doubles as needed (most heads
  // are a few hundred bytes); a body into room for all of it, or by chunks.
  size_t want = c->state == Connection::State::kHead ? std::max<size_t>(kHeadChunk, c->in.size()) : kReadChunk;
  if (c->state == Connection::State::kBody && !c->head.chunked) {
    // Room for exactly the rest of the body, at once.
    size_t needed = c->head.head_bytes + static_cast<size_t>(c->head.content_length);
    if (needed > c->in.size()) want = needed - c->in.size();
  }
  if (c->in.free() < std::min<size_t>(want, 4096)) c->in.Grow(c->in.size() + want);
  ssize_t n = ::read(c->fd, c->in.data() + c->in.size(), c->in.free());
  if (n > 0) {
    if (!c->started) {
      c->started = true;
      UnmarkIdle(c);
      c->deadline = Clock::now() + options.header_timeout;
      c->timeout_reason = CloseReason::kHeaderTimeout;
    }
    c->in.Added(static_cast<size_t>(n));
    return true;
  }
  if (n < 0 && errno == EINTR) return true;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
  // The client closed (or the connection broke) before a whole request.
  Close(c, n == 0 ? CloseReason::kClient : CloseReason::kError);
  return false;
}

// Parses what the buffer holds; true when the state changed.
bool HttpServer::Impl::Loop::Advance(Connection* c) {
  const HttpServerOptions& options = server_.options_;
  if (c->state == Connection::State::kHead) {
    if (c->in.size() == 0) return false;
    c->head = ParseRequestHead(std::string_view(c->in.data(), c->in.size()), c->scan_from, options.max_head_bytes,
                               c->request);
    if (c->head.state == HeadResult::State::kIncomplete) {
      c->scan_from = c->in.size();
      return false;
    }
    if (c->head.state == HeadResult::State::kError) {
      c->head_parsed = false;
      ServerAnswer(c, c->head.status, c->head.message, false);
      return true;
    }
    c->head_parsed = true;
    c->parsed_base = c->in.data();
    c->head_only = c->request.method == "HEAD";
    c->keep_alive = c->head.keep_alive && !draining_;
    const bool has_body = c->head.chunked || c->head.content_length > 0;
    if (!c->head.chunked && c->head.content_length > options.max_body_bytes) {
      ServerAnswer(c, 413, "the request body is larger than --max-body", false);
      return true;
    }
    try {
      c->dispatch = server_.handler_.Route(c->request, c->response);
    } catch (const std::exception&) {
      c->dispatch = Dispatch::kAnswered;
      c->response = HttpResponse{};
      c->response.status = 500;
      c->response.body = JsonMessage("internal error");
    }
    if (c->dispatch == Dispatch::kAnswered) {
      if (has_body) c->keep_alive = false;  // the body stays unread
      c->message_end = c->head.head_bytes;
      StartResponse(c);
      return true;
    }
    c->state = Connection::State::kBody;
    c->deadline = Clock::now() + options.body_timeout;
    c->timeout_reason = CloseReason::kBodyTimeout;
    if (c->head.chunked) c->chunked.emplace(options.max_body_bytes, 4096);
    if (has_body && c->head.expect_continue) {
      static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      if (::send(c->fd, kContinue, sizeof kContinue - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof kContinue - 1)) {
        Close(c, CloseReason::kError);
        return true;
      }
    }
    return true;
  }
  // kBody
  const size_t body_start = c->head.head_bytes;
  size_t body_size;
  if (c->head.chunked) {
    ChunkedDecoder::State state = c->chunked->Decode(c->in.data() + body_start, c->in.size() - body_start);
    if (state == ChunkedDecoder::State::kError) {
      ServerAnswer(c, c->chunked->status(), c->chunked->message(), false);
      return true;
    }
    if (state == ChunkedDecoder::State::kIncomplete) {
      // Drop the chunk framing already read, so the buffer holds the decoded
      // body and at most one read's raw bytes, never the framing of a
      // million one-byte chunks.
      size_t kept = c->chunked->Compact(c->in.data() + body_start, c->in.size() - body_start);
      c->in.Truncate(body_start + kept);
      return false;
    }
    body_size = c->chunked->decoded_size();
    c->message_end = body_start + c->chunked->consumed();
  } else {
    body_size = static_cast<size_t>(c->head.content_length);
    if (c->in.size() - body_start < body_size) return false;
    c->message_end = body_start + body_size;
  }
  // The buffer may have moved while the body arrived: read the head again
  // where it now lies (it parsed before, so it parses the same).
  if (c->parsed_base != c->in.data()) {
    ParseRequestHead(std::string_view(c->in.data(), body_start), 0, options.max_head_bytes, c->request);
    c->parsed_base = c->in.data();
  }
  c->request.body = std::string_view(c->in.data() + body_start, body_size);
  StartHandling(c);
  return true;
}

void HttpServer::Impl::Loop::StartHandling(Connection* c) {
  c->state = Connection::State::kProcessing;
  c->by_server = false;
  if (c->dispatch == sluice::Dispatch::kInline) {
    RunHandler(c);
    StartResponse(c);
    return;
  }
  if (!server_.queue_.TryPush(c)) {
    ++server_.stats_.queue_rejected;
    c->state = Connection::State::kHead;  // not with a worker: ServerAnswer may write at once
    ServerAnswer(c, 503, "the request queue is full (--max-queue); retry", c->keep_alive);
  }
}

void HttpServer::Impl::Loop::RunHandler(Connection* c) {
  try {
    server_.handler_.Handle(c->request, c->response);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sluice serve: internal error answering %.*s %.*s: %s\n",
                 static_cast<int>(c->request.method.size()), c->request.method.data(),
                 static_cast<int>(std::min<size_t>(c->request.path.size(), 200)), c->request.path.data(), error.what());
    c->response = HttpResponse{};
    c->response.status = 500;
    c->response.body = JsonMessage("internal error (the server's log says more)");
  }
}

void HttpServer::Impl::Loop::ServerAnswer(Connection* c, int status, const char* message, bool keep_alive) {
  c->response = HttpResponse{};
  c->response.status = status;
  c->response.body = JsonMessage(message);
  c->keep_alive = keep_alive && !draining_;
  c->by_server = true;
  if (!keep_alive && c->close_reason == CloseReason::kClient && status != 503) c->close_reason = CloseReason::kBadRequest;
  if (status == 503) c->response.headers.push_back({"Retry-After", "1"});
  StartResponse(c);
}

void HttpServer::Impl::Loop::StartResponse(Connection* c) {
  if (draining_) c->keep_alive = false;
  HttpResponse& response = c->response;
  char line[160];
  std::snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\nContent-Type: ", response.status, HttpReason(response.status));
  c->out_head.assign(line);
  c->out_head += response.content_type;
  std::snprintf(line, sizeof line, "\r\nContent-Length: %zu\r\n", response.body.size());
  c->out_head += line;
  for (const auto& [name, value] : response.headers) {
    c->out_head.append(name).append(": ").append(value).append("\r\n");
  }
  if (!c->keep_alive) c->out_head += "Connection: close\r\n";
  else if (c->head_parsed && c->request.minor_version == 0) c->out_head += "Connection: keep-alive\r\n";
  c->out_head += "\r\n";
  if (c->head_only) response.body.clear();
  c->written = 0;
  c->state = Connection::State::kWriting;
  c->deadline = Clock::now() + server_.options_.body_timeout;
  c->timeout_reason = CloseReason::kWriteTimeout;
  server_.handler_.Answered(c->head_parsed ? &c->request : nullptr, response, c->by_server);
}

// Writes what it can; true when the whole response is out.
bool HttpServer::Impl::Loop::Write(Connection* c) {
  const size_t head = c->out_head.size(), total = head + c->response.body.size();
  while (c->written < total) {
    iovec parts[2];
    int count = 0;
    if (c->written < head) parts[count++] = {c->out_head.data() + c->written, head - c->written};
    size_t body_from = c->written > head ? c->written - head : 0;
    if (body_from < c->response.body.size()) {
      parts[count++] = {c->response.body.data() + body_from, c->response.body.size() - body_from};
    }
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = static_cast<size_t>(count);
    ssize_t n = ::sendmsg(c->fd, &message, MSG_NOSIGNAL);
    if (n > 0) {
      c->written += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;  // EPOLLOUT will say when
    Close(c, CloseReason::kError);
    return false;
  }
  FinishResponse(c);
  return true;
}

void HttpServer::Impl::Loop::FinishResponse(Connection* c) {
  c->response = HttpResponse{};
  c->out_head.clear();
  if (!c->keep_alive) {
    if (c->head_parsed && c->message_end > 0 && c->in.size() == c->message_end) {
      // The whole request was read and nothing followed it: close now.
      Close(c, c->close_reason);
      return;
    }
    // Bytes of the request may still be coming: stop sending, keep reading a
    // moment so that the answer is not lost to a reset.
    ::shutdown(c->fd, SHUT_WR);
    c->state = Connection::State::kLingering;
    c->deadline = Clock::now() + kLingerTime;
    c->timeout_reason = c->close_reason;
    c->in.Release();
    return;
  }
  c->in.Consume(c->message_end);
  if (c->in.size() == 0) {
    // Waiting for the next request holds no buffer: a thousand idle
    // keep-alive connections cost their descriptors and little else.
    c->in.Release();
  } else if (c->in.capacity() > kKeptBuffer) {
    if (c->in.size() <= kKeptBuffer) {
      ByteBuffer smaller;
      smaller.Grow(kKeptBuffer);
      std::memcpy(smaller.data(), c->in.data(), c->in.size());
      smaller.Added(c->in.size());
      c->in = std::move(smaller);
    }
  }
  c->state = Connection::State::kHead;
  c->chunked.reset();
  c->message_end = 0;
  c->scan_from = 0;
  c->head_parsed = false;
  c->by_server = false;
  c->close_reason = CloseReason::kClient;
  c->started = c->in.size() > 0;
  if (c->started) {
    c->deadline = Clock::now() + server_.options_.header_timeout;
    c->timeout_reason = CloseReason::kHeaderTimeout;
  } else {
    c->deadline = Clock::now() + server_.options_.idle_timeout;
    c->timeout_reason = CloseReason::kIdleTimeout;
    MarkIdle(c);
  }
}

void HttpServer::Impl::Loop::Linger(Connection* c) {
  char sink[4096];
  for (;;) {
    ssize_t n = ::read(c->fd, sink, sizeof sink);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    Close(c, c->timeout_reason);
    return;
  }
}

void HttpServer::Impl::Loop::Sweep(Clock::time_point now) {
  if (!accepting_ && !draining_) ResumeAccepting();
  if (closed_since_trim_ >= kTrimEveryCloses) {
    closed_since_trim_ = 0;
    ::malloc_trim(0);
  }
  if (draining_ && !drain_expired_ && now >= drain_deadline_) {
    drain_expired_ = true;
    // Requests still queued will not start: answer them 503 and close.
    for (Connection* c : server_.queue_.TakeAll()) {
      c->response = HttpResponse{};
      c->response.status = 503;
      c->response.body = JsonMessage("the server stopped before this request was answered; retry");
      c->response.headers.push_back({"Retry-After", "1"});
      c->by_server = true;
      c->loop->Complete(c);
    }
  }
  for (Connection* c : connections_) {
    if (c->closed) continue;
    if (drain_expired_) {
      Close(c, CloseReason::kDrained);
      continue;
    }
    if (c->state == Connection::State::kProcessing || now < c->deadline) continue;
    switch (c->state) {
      case Connection::State::kHead:
        if (!c->started) {
          Close(c, CloseReason::kIdleTimeout);
        } else {
          c->close_reason = CloseReason::kHeaderTimeout;
          ServerAnswer(c, 408, "the request head did not arrive within --header-timeout", false);
          Drive(c);
        }
        break;
      case Connection::State::kBody:
        c->close_reason = CloseReason::kBodyTimeout;
        ServerAnswer(c, 408, "the request body did not arrive within --body-timeout", false);
        Drive(c);
        break;
      case Connection::State::kWriting:
        Close(c, CloseReason::kWriteTimeout);
        break;
      case Connection::State::kLingering:
        Close(c, c->timeout_reason);
        break;
      case Connection::State::kProcessing:
        break;
    }
  }
}

void HttpServer::Impl::Loop::BeginDrain() {
  draining_ = true;
  drain_deadline_ = Clock::now() + server_.options_.drain_timeout;
  PauseAccepting();
  for (Connection* c : connections_) {
    if (c->closed) continue;
    c->keep_alive = false;
    // Waiting for a request, or for the rest of a head: nothing in flight.
    if (c->state == Connection::State::kHead) Close(c, CloseReason::kDrained);
  }
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler& handler) : options_(std::move(options)), handler_(handler) {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  // Half the cores run event loops (which also score small requests), the
  // rest are left to the workers' large requests, loads and reloads: on 2
  // cores one loop gave p99 155-232 us at 4 connections where two gave
  // 159-766 us, at the same rate (bench/serve-latency).
  if (options_.io_threads == 0) options_.io_threads = std::max<size_t>(1, cores / 2);
  if (options_.workers == 0) options_.workers = cores;
  impl_ = std::make_unique<Impl>(options_, handler_, stats_);
}

HttpServer::~HttpServer() = default;
int HttpServer::Bind() { return impl_->Bind(); }
void HttpServer::Run() { impl_->Run(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace sluice
