#include "cluster/rabit_tracker.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include "common/error.h"
#include "nlohmann/json.hpp"

namespace sluice {

namespace {

constexpr int32_t kMagic = 0xff99;

// One worker's connection: native-endian 32-bit integers and
// length-prefixed strings, as rabit speaks.
class Link {
 public:
  explicit Link(int fd) : fd_(fd) {}
  ~Link() {
    if (fd_ >= 0) ::close(fd_);
  }
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  void ReadAll(void* out, size_t size) {
    char* at = static_cast<char*>(out);
    while (size > 0) {
      ssize_t n = ::recv(fd_, at, size, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error("a worker closed its connection to the tracker mid-message");
      at += n;
      size -= static_cast<size_t>(n);
    }
  }
  void WriteAll(const void* data, size_t size) {
    const char* at = static_cast<const char*>(data);
    while (size > 0) {
      ssize_t n = ::send(fd_, at, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error(std::string("cannot write to a worker: ") + std::strerror(errno));
      at += n;
      size -= static_cast<size_t>(n);
    }
  }
  int32_t ReadInt() {
    int32_t value;
    ReadAll(&value, sizeof value);
    return value;
  }
  void WriteInt(int32_t value) { WriteAll(&value, sizeof value); }
  std::string ReadString() {
    const int32_t size = ReadInt();
    if (size < 0 || size > (1 << 20)) throw std::runtime_error("a worker sent a string of " + std::to_string(size) + " bytes");
    std::string out(static_cast<size_t>(size), '\0');
    ReadAll(out.data(), out.size());
    return out;
  }
  void WriteString(const std::string& value) {
    WriteInt(static_cast<int32_t>(value.size()));
    WriteAll(value.data(), value.size());
  }

 private:
  int fd_;
};

// A worker that has said hello: who it is and what it asks.
struct Worker {
  std::unique_ptr<Link> link;
  std::string host;  // its address, as the tracker saw it
  int rank = -1, world_size = -1;
  std::string task_id, command;
  int wait_accept = 0;
  int port = -1;
};

// The tree (a binary heap) and the ring rabit links its workers by,
// renumbered so that the ring runs 0, 1, 2, ... (tracker.py get_link_map).
struct LinkMap {
  std::map<int, std::vector<int>> tree;
  std::map<int, int> parent;
  std::map<int, std::pair<int, int>> ring;
};

std::vector<int> Neighbours(int rank, int workers) {
  rank += 1;
  std::vector<int> out;
  if (rank > 1) out.push_back(rank / 2 - 1);
  if (rank * 2 - 1 < workers) out.push_back(rank * 2 - 1);
  if (rank * 2 < workers) out.push_back(rank * 2);
  return out;
}

std::vector<int> ShareRing(const std::map<int, std::vector<int>>& tree, const std::map<int, int>& parent, int rank) {
  std::set<int> children(tree.at(rank).begin(), tree.at(rank).end());
  children.erase(parent.at(rank));
  std::vector<int> out = {rank};
  size_t seen = 0;
  for (int child : children) {
    std::vector<int> sub = ShareRing(tree, parent, child);
    if (++seen == children.size()) std::reverse(sub.begin(), sub.end());
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

LinkMap MakeLinkMap(int workers) {
  std::map<int, std::vector<int>> tree;
  std::map<int, int> parent;
  for (int r = 0; r < workers; ++r) {
    tree[r] = Neighbours(r, workers);
    parent[r] = (r + 1) / 2 - 1;
  }
  const std::vector<int> order = ShareRing(tree, parent, 0);
  std::map<int, std::pair<int, int>> ring;
  for (int r = 0; r < workers; ++r) {
    ring[order[static_cast<size_t>(r)]] = {order[static_cast<size_t>((r + workers - 1) % workers)],
                                           order[static_cast<size_t>((r + 1) % workers)]};
  }
  std::map<int, int> renumber = {{0, 0}};
  int k = 0;
  for (int i = 0; i < workers - 1; ++i) {
    k = ring[k].second;
    renumber[k] = i + 1;
  }
  LinkMap out;
  for (const auto& [r, links] : ring) out.ring[renumber[r]] = {renumber[links.first], renumber[links.second]};
  for (const auto& [r, nodes] : tree) {
    for (int node : nodes) out.tree[renumber[r]].push_back(renumber[node]);
    if (nodes.empty()) out.tree[renumber[r]];
  }
  for (const auto& [r, p] : parent) out.parent[renumber[r]] = r == 0 ? -1 : renumber[p];
  return out;
}

// Gives `worker` its rank and links; tells it where the linked workers
// that already listen are; returns the ranks whose connections are now all
// made (tracker.py assign_rank and _get_remote).
std::vector<int> AssignRank(Worker& worker, int rank, std::map<int, Worker*>& waiting, const LinkMap& map) {
  worker.rank = rank;
  std::set<int> links(map.tree.at(rank).begin(), map.tree.at(rank).end());
  const auto [previous, next] = map.ring.at(rank);
  Link& link = *worker.link;
  link.WriteInt(rank);
  link.WriteInt(map.parent.at(rank));
  link.WriteInt(static_cast<int32_t>(map.tree.size()));
  link.WriteInt(static_cast<int32_t>(links.size()));
  for (int r : links) link.WriteInt(r);
  for (int neighbour : {previous, next}) {
    if (neighbour != -1 && neighbour != rank) {
      links.insert(neighbour);
      link.WriteInt(neighbour);
    } else {
      link.WriteInt(-1);
    }
  }
  for (;;) {
    const int32_t good_count = link.ReadInt();
    std::set<int> good;
    for (int32_t i = 0; i < good_count; ++i) good.insert(link.ReadInt());
    std::vector<int> bad, connect;
    for (int r : links) {
      if (good.count(r)) continue;
      bad.push_back(r);
      if (waiting.count(r)) connect.push_back(r);
    }
    link.WriteInt(static_cast<int32_t>(connect.size()));
    link.WriteInt(static_cast<int32_t>(bad.size() - connect.size()));
    for (int r : connect) {
      link.WriteString(waiting[r]->host);
      link.WriteInt(waiting[r]->port);
      link.WriteInt(r);
    }
    if (link.ReadInt() != 0) continue;  // a connection failed: again
    worker.port = link.ReadInt();
    std::vector<int> done;
    for (int r : connect) {
      if (--waiting[r]->wait_accept == 0) done.push_back(r);
    }
    for (int r : done) waiting.erase(r);
    worker.wait_accept = static_cast<int>(bad.size() - connect.size());
    return done;
  }
}

}  // namespace

RabitTracker::RabitTracker(const std::string& host, int workers) : host_(host), workers_(workers) {
  if (workers < 1) ThrowInternal("a rabit tracker for " + std::to_string(workers) + " workers");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    ThrowUsage("the rabit tracker's address " + host + " is not an IPv4 address");
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) ThrowErrno("rabit tracker: socket");
  const int yes = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  address.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listen_fd_, 256) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_fd_);
    ThrowIo("rabit tracker: cannot listen on " + host + ": " + why);
  }
  socklen_t length = sizeof address;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
}

RabitTracker::~RabitTracker() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void RabitTracker::Start() {
  thread_ = std::thread([this] {
    try {
      Serve();
    } catch (const std::exception& error) {
      error_ = error.what();
    }
  });
}

void RabitTracker::Join() {
  if (thread_.joinable()) thread_.join();
  if (!error_.empty()) ThrowIo("rabit tracker: " + error_);
}

std::string RabitTracker::WorkerConfig(const std::string& task_id) const {
  return WorkerConfig(host_, port_, workers_, task_id);
}

std::string RabitTracker::WorkerConfig(const std::string& host, int port, int workers, const std::string& task_id) {
  return nlohmann::json({{"dmlc_communicator", "rabit"},
                         {"DMLC_TRACKER_URI", host},
                         {"DMLC_TRACKER_PORT", port},
                         {"DMLC_TASK_ID", task_id},
                         {"DMLC_NUM_WORKER", workers},
                         // A lost peer is an error thrown back to the caller,
                         // not an exit from inside XGBoost.
                         {"DMLC_WORKER_STOP_PROCESS_ON_ERROR", "false"}})
      .dump();
}

void RabitTracker::Serve() {
  std::set<int> finished;
  std::map<int, Worker*> waiting;      // listening, not yet reached by every link
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<Worker*> pending;        // started, not yet given a rank
  std::map<std::string, int> rank_of_task;
  std::optional<LinkMap> map;
  std::vector<int> todo;
  int expected = workers_;
  while (static_cast<int>(finished.size()) != expected) {
    // Accept with a timeout, so that a tracker being torn down stops.
    pollfd ready{listen_fd_, POLLIN, 0};
    const int polled = ::poll(&ready, 1, 200);
    if (stopping_) return;
    if (polled <= 0) continue;
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &length, SOCK_CLOEXEC);
    if (fd < 0) continue;
    auto worker = std::make_unique<Worker>();
    worker->link = std::make_unique<Link>(fd);
    char text[INET_ADDRSTRLEN] = {0};
    ::inet_ntop(AF_INET, &peer.sin_addr, text, sizeof text);
    worker->host = text;
    Link& link = *worker->link;
    const int32_t magic = link.ReadInt();
    if (magic != kMagic) throw std::runtime_error("a connection from " + worker->host + " is not a rabit worker");
    link.WriteInt(kMagic);
    worker->rank = link.ReadInt();
    worker->world_size = link.ReadInt();
    worker->task_id = link.ReadString();
    worker->command = link.ReadString();
    if (worker->command == "print") {
      link.ReadString();  // a worker's log line: XGBoost's, not sluice's to show
      continue;
    }
    if (worker->command == "shutdown") {
      finished.insert(worker->rank);
      continue;
    }
    if (worker->command != "start" && worker->command != "recover") {
      throw std::runtime_error("a worker asked for '" + worker->command + "'");
    }
    if (!map) {
      if (worker->world_size > 0) expected = worker->world_size;
      map = MakeLinkMap(expected);
      for (int r = 0; r < expected; ++r) todo.push_back(r);
    }
    Worker* entry = worker.get();
    workers.push_back(std::move(worker));
    int rank = entry->rank;
    if (rank < 0 && entry->task_id != "NULL" && rank_of_task.count(entry->task_id)) rank = rank_of_task[entry->task_id];
    if (rank >= 0) {
      AssignRank(*entry, rank, waiting, *map);
      if (entry->wait_accept > 0) waiting[rank] = entry;
      continue;
    }
    // Ranks are given once every worker has asked, in task-id order.
    pending.push_back(entry);
    if (pending.size() != todo.size()) continue;
    std::sort(pending.begin(), pending.end(), [](const Worker* a, const Worker* b) { return a->task_id < b->task_id; });
    for (Worker* next : pending) {
      const int given = todo.front();
      todo.erase(todo.begin());
      if (next->task_id != "NULL") rank_of_task[next->task_id] = given;
      AssignRank(*next, given, waiting, *map);
      if (next->wait_accept > 0) waiting[given] = next;
    }
    pending.clear();
  }
}

}  // namespace sluice
