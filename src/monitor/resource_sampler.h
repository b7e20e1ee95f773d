#pragma once
// Samples this process's resource use from /proc while a run works: CPU
// time, resident memory and bytes read and written, every `interval`. The
// samples give resource use over time (the report's chart) and, between two
// step boundaries, each step's CPU %, peak RSS and I/O. Reading /proc costs
// a few microseconds a sample; the thread sleeps in between.
//
// Bytes read and written are what the process moved through read/write
// calls (/proc/self/io rchar and wchar): page-cache hits count, so a step
// that re-reads a cached file still shows its reads.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice {

struct ResourceSample {
  double seconds = 0;      // since the sampler started
  double cpu_seconds = 0;  // user + system, all threads, since the process started
  int64_t rss_bytes = 0;
  int64_t read_bytes = 0;   // cumulative
  int64_t write_bytes = 0;  // cumulative
};

// One reading of /proc/self now (seconds left 0); with the process tree
// sampled, its live descendants added in.
ResourceSample ReadProcessResources();
// A pipeline graph runs its steps as child processes: their use is the
// run's. Off by default (scanning /proc costs a little at each sample).
void SampleProcessTree(bool enabled);
bool ProcessTreeIsSampled();

// What a span between two samples used.
struct ResourceUse {
  double seconds = 0;
  double cpu_seconds = 0;
  double cpu_percent = 0;  // 100 = one core busy
  int64_t peak_rss_bytes = 0;
  int64_t read_bytes = 0;
  int64_t write_bytes = 0;
};

class ResourceSampler {
 public:
  explicit ResourceSampler(int interval_ms);
  ~ResourceSampler();
  ResourceSampler(const ResourceSampler&) = delete;
  ResourceSampler& operator=(const ResourceSampler&) = delete;

  // Takes a sample now (a step boundary) and returns it.
  ResourceSample Mark();
  // The samples so far, in time order.
  std::vector<ResourceSample> Samples() const;
  // The use between two marks: peak RSS over every sample in between.
  ResourceUse Between(const ResourceSample& from, const ResourceSample& to) const;

 private:
  void Loop();
  ResourceSample Take();

  const int interval_ms_;
  std::chrono::steady_clock::time_point start_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<ResourceSample> samples_;
  std::thread thread_;
};

}  // namespace sluice
