#pragma once
// Page compression codecs. Compress writes what the writer supports
// (UNCOMPRESSED, SNAPPY, GZIP, ZSTD); Decompress reads every codec Debian has
// a library for (also LZ4_RAW, Hadoop-framed LZ4 and BROTLI) into a buffer of
// exactly the size the page header promises, and fails on any other size.

#include <cstdint>
#include <string>

#include "io/parquet/metadata.h"

namespace sluice::parquet {

void Compress(Codec codec, const std::string& input, std::string& output, int zstd_level = 3);
// Whether `claimed` bytes is a size `input` can decompress to: exact where the
// codec records it (snappy, zstd frames, uncompressed), else within the
// codec's largest possible ratio. Checked before a page buffer is allocated,
// so a corrupt header cannot make the reader allocate gigabytes.
bool PlausibleDecompressedSize(Codec codec, const uint8_t* input, size_t input_size, size_t claimed);
// Throws std::runtime_error with the codec's complaint.
void Decompress(Codec codec, const uint8_t* input, size_t input_size, uint8_t* output, size_t output_size);

}  // namespace sluice::parquet
