#include "io/parquet/page_checksum.h"

#include <isa-l/crc.h>

namespace sluice::parquet {

uint32_t PageChecksum(const uint8_t* data, size_t size) {
  return crc32_gzip_refl(0, data, size);
}

}  // namespace sluice::parquet
