#include "monitor/resource_sampler.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>

#include "common/process_stat.h"

namespace sluice {


ResourceSample ReadProcessResources() {
  ResourceSample sample;
  const pid_t self = ::getpid();
  if (auto stat = ReadProcessStat(self)) sample.cpu_seconds = stat->cpu_seconds + stat->reaped_children_cpu_seconds;
  sample.rss_bytes = ReadProcessRss(self);
  ReadProcessIo(self, &sample.read_bytes, &sample.write_bytes);
  // The steps a pipeline graph runs as child processes count as the run's:
  // live ones read directly; finished ones, once waited for, are in this
  // process's reaped-children CPU time and I/O counters.
  if (!ProcessTreeIsSampled()) return sample;
  for (pid_t child : DescendantsOf(self)) {
    auto stat = ReadProcessStat(child);
    if (!stat) continue;
    int64_t read_bytes = 0, write_bytes = 0;
    ReadProcessIo(child, &read_bytes, &write_bytes);
    sample.cpu_seconds += stat->cpu_seconds + stat->reaped_children_cpu_seconds;
    sample.rss_bytes += ReadProcessRss(child);
    sample.read_bytes += read_bytes;
    sample.write_bytes += write_bytes;
  }
  return sample;
}

namespace {
std::atomic<bool> sample_process_tree{false};
}  // namespace

void SampleProcessTree(bool enabled) { sample_process_tree = enabled; }
bool ProcessTreeIsSampled() { return sample_process_tree; }

ResourceSampler::ResourceSampler(int interval_ms)
    : interval_ms_(std::max(interval_ms, 10)), start_(std::chrono::steady_clock::now()) {
  samples_.push_back(Take());
  thread_ = std::thread([this] { Loop(); });
}

ResourceSampler::~ResourceSampler() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

ResourceSample ResourceSampler::Take() {
  ResourceSample sample = ReadProcessResources();
  sample.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return sample;
}

void ResourceSampler::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::milliseconds(interval_ms_), [this] { return stopping_; })) {
    lock.unlock();
    ResourceSample sample = Take();
    lock.lock();
    samples_.push_back(sample);
  }
}

ResourceSample ResourceSampler::Mark() {
  ResourceSample sample = Take();
  std::lock_guard<std::mutex> lock(mutex_);
  // Keep time order: a mark may land between the loop's read and its push.
  auto at = std::upper_bound(samples_.begin(), samples_.end(), sample.seconds,
                             [](double seconds, const ResourceSample& s) { return seconds < s.seconds; });
  samples_.insert(at, sample);
  return sample;
}

std::vector<ResourceSample> ResourceSampler::Samples() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return samples_;
}

ResourceUse ResourceSampler::Between(const ResourceSample& from, const ResourceSample& to) const {
  ResourceUse use;
  use.seconds = to.seconds - from.seconds;
  use.cpu_seconds = to.cpu_seconds - from.cpu_seconds;
  use.cpu_percent = use.seconds > 0 ? 100.0 * use.cpu_seconds / use.seconds : 0;
  use.read_bytes = to.read_bytes - from.read_bytes;
  use.write_bytes = to.write_bytes - from.write_bytes;
  use.peak_rss_bytes = std::max(from.rss_bytes, to.rss_bytes);
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& sample : samples_) {
    if (sample.seconds >= from.seconds && sample.seconds <= to.seconds) {
      use.peak_rss_bytes = std::max(use.peak_rss_bytes, sample.rss_bytes);
    }
  }
  return use;
}

}  // namespace sluice
