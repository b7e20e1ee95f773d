#pragma once
// Process memory: the peak resident set for reports, and a way to hand freed
// heap memory back to the system after a large structure is dropped (glibc
// keeps it otherwise, and the peak would count it twice).

#include <cstdint>

namespace sluice {

uint64_t PeakRssBytes();
uint64_t CurrentRssBytes();
uint64_t PhysicalMemoryBytes();
void ReleaseFreeMemory();
// Makes the allocator keep freed batch-sized blocks for reuse: glibc's
// defaults hand every freed multi-megabyte column back to the kernel and fault
// it in again for the next batch, which costs readers more than decoding.
// Called once at start-up; ReleaseFreeMemory() still returns everything.
void KeepFreedBatchMemory();

}  // namespace sluice
