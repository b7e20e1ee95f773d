#include "common/memory.h"

#include <malloc.h>
#include <sys/resource.h>

#include <unistd.h>

#include <cstdio>

namespace sluice {

uint64_t PeakRssBytes() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

uint64_t CurrentRssBytes() {
  std::FILE* file = std::fopen("/proc/self/statm", "r");
  if (!file) return 0;
  unsigned long long pages = 0, resident = 0;
  int read = std::fscanf(file, "%llu %llu", &pages, &resident);
  std::fclose(file);
  return read == 2 ? resident * 4096 : 0;
}

uint64_t PhysicalMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size) : 0;
}

void ReleaseFreeMemory() { malloc_trim(0); }

void KeepFreedBatchMemory() {
  // Blocks under 32 MiB (every batch column) come from the heap, not mmap;
  // up to 64 MiB of free heap top stays mapped instead of being trimmed.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

}  // namespace sluice
