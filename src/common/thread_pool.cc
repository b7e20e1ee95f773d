#include "common/thread_pool.h"

#include <algorithm>

namespace sluice {

ThreadPool::ThreadPool(size_t num_threads) {
  num_threads = std::max<size_t>(1, num_threads);
  workers_.reserve(num_threads);
  for (size_t i = 0; i < num_threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& worker : workers_) worker.join();
}

size_t ThreadPool::DefaultThreads() {
  return std::max<size_t>(1, std::thread::hardware_concurrency());
}

void ThreadPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

TaskGroup::~TaskGroup() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
}

void TaskGroup::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++pending_;
  }
  pool_.Submit([this, task = std::move(task)] {
    std::exception_ptr error;
    try {
      task();
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (error && !error_) error_ = error;
    --pending_;
    done_.notify_all();
  });
}

void TaskGroup::Limit(size_t max_in_flight) {
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return pending_ < max_in_flight; });
}

bool TaskGroup::failed() {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_ != nullptr;
}

void TaskGroup::Wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
  if (error_) {
    auto error = error_;
    error_ = nullptr;
    std::rethrow_exception(error);
  }
}

void ParallelFor(ThreadPool& pool, size_t n, const std::function<void(size_t, size_t)>& body) {
  size_t parts = std::min(n, pool.num_threads());
  if (parts <= 1) {
    if (n > 0) body(0, n);
    return;
  }
  TaskGroup group(pool);
  for (size_t part = 0; part < parts; ++part) {
    size_t begin = n * part / parts;
    size_t end = n * (part + 1) / parts;
    group.Submit([&body, begin, end] { body(begin, end); });
  }
  group.Wait();
}

}  // namespace sluice
