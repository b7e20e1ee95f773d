#include "io/parquet/page_checksum.h"

#include <isa-l/crc.h>

namespace sluice::parquet {

#if defined(__x86_64__)
namespace {

const bool kCpuHasAvx = __builtin_cpu_supports("avx");

}  // namespace
#endif

uint32_t PageChecksum(const uint8_t* data, size_t size) {
  uint32_t crc = crc32_gzip_refl(0, data, size);
  // ISA-L's AVX-512 kernel returns without VZEROUPPER. Dirty upper register
  // halves make every later SSE instruction on this thread pay a transition
  // penalty: measured, it doubled the cost of the scalar double code that
  // follows (sin/cos in a derive step). Clear them where AVX exists.
#if defined(__x86_64__)
  if (kCpuHasAvx) asm volatile("vzeroupper" ::: "memory");
#endif
  return crc;
}

}  // namespace sluice::parquet
