#include "monitor/resource_sampler.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "monitor/process_stat.h"

namespace sluice {

namespace {

int64_t ReadRssBytes() {
  std::FILE* file = std::fopen("/proc/self/statm", "r");
  if (!file) return 0;
  long long size = 0, resident = 0;
  int read = std::fscanf(file, "%lld %lld", &size, &resident);
  std::fclose(file);
  static const int64_t page = ::sysconf(_SC_PAGESIZE);
  return read == 2 ? resident * page : 0;
}

void ReadIoBytes(int64_t* read_bytes, int64_t* write_bytes) {
  *read_bytes = *write_bytes = 0;
  std::FILE* file = std::fopen("/proc/self/io", "r");
  if (!file) return;
  char key[64];
  long long value = 0;
  while (std::fscanf(file, "%63s %lld", key, &value) == 2) {
    if (std::strcmp(key, "rchar:") == 0) *read_bytes = value;
    if (std::strcmp(key, "wchar:") == 0) *write_bytes = value;
  }
  std::fclose(file);
}

}  // namespace

ResourceSample ReadProcessResources() {
  ResourceSample sample;
  if (auto stat = ReadProcessStat(::getpid())) sample.cpu_seconds = stat->cpu_seconds;
  sample.rss_bytes = ReadRssBytes();
  ReadIoBytes(&sample.read_bytes, &sample.write_bytes);
  return sample;
}

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
