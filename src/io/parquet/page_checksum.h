#pragma once
// Parquet's page checksum: the standard CRC-32 (gzip's polynomial, reflected)
// of a page's bytes as stored. Computed with ISA-L's carry-less-multiply
// implementation, several times faster than zlib's table-driven crc32, since
// a reader checks every byte of every page that carries one.

#include <cstddef>
#include <cstdint>

namespace sluice::parquet {

uint32_t PageChecksum(const uint8_t* data, size_t size);

}  // namespace sluice::parquet
