#pragma once
// A fixed pool of worker threads shared by every stage of a command, sized by
// --threads, so that sluice never runs more busy threads than it was given.
// Submit() queues a task; a TaskGroup waits for the tasks it submitted and
// rethrows the first exception any of them threw.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice {

class ThreadPool {
 public:
  explicit ThreadPool(size_t num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t num_threads() const { return workers_.size(); }
  void Submit(std::function<void()> task);

  // The number of hardware threads, at least 1.
  static size_t DefaultThreads();

 private:
  void WorkerLoop();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Tracks a set of tasks on a pool. Wait() blocks until all have finished and
// rethrows the first exception; Limit() lets a producer keep at most N tasks
// in flight so memory stays bounded however large the input is.
class TaskGroup {
 public:
  explicit TaskGroup(ThreadPool& pool) : pool_(pool) {}
  ~TaskGroup();

  void Submit(std::function<void()> task);
  // Blocks until fewer than `max_in_flight` tasks are pending or running.
  void Limit(size_t max_in_flight);
  void Wait();
  // True once a task has failed: producers stop feeding work.
  bool failed();

 private:
  ThreadPool& pool_;
  std::mutex mutex_;
  std::condition_variable done_;
  size_t pending_ = 0;
  std::exception_ptr error_;
};

// Runs body(begin, end) over [0, n) split into about num_threads ranges.
void ParallelFor(ThreadPool& pool, size_t n, const std::function<void(size_t, size_t)>& body);

}  // namespace sluice
