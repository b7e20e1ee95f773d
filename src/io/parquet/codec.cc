#include "io/parquet/codec.h"

#include <brotli/decode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <stdexcept>

namespace sluice::parquet {

namespace {

[[noreturn]] void Fail(Codec codec, const std::string& what) {
  throw std::runtime_error(std::string(CodecName(codec)) + ": " + what);
}

void GzipCompress(const std::string& input, std::string& output) {
  z_stream stream{};
  if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    Fail(Codec::kGzip, "cannot initialise");
  }
  output.resize(deflateBound(&stream, input.size()) + 32);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  stream.next_out = reinterpret_cast<Bytef*>(output.data());
  stream.avail_out = static_cast<uInt>(output.size());
  int rc = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) Fail(Codec::kGzip, "compression failed");
  output.resize(stream.total_out);
}

// Inflates gzip or zlib data, member after member (some writers concatenate).
void GzipDecompress(const uint8_t* input, size_t input_size, uint8_t* output, size_t output_size) {
  size_t in_pos = 0, out_pos = 0;
  while (in_pos < input_size) {
    z_stream stream{};
    if (inflateInit2(&stream, 15 + 32) != Z_OK) Fail(Codec::kGzip, "cannot initialise");
    stream.next_in = const_cast<Bytef*>(input + in_pos);
    stream.avail_in = static_cast<uInt>(input_size - in_pos);
    stream.next_out = output + out_pos;
    stream.avail_out = static_cast<uInt>(output_size - out_pos);
    int rc = inflate(&stream, Z_FINISH);
    size_t used_in = stream.total_in, produced = stream.total_out;
    inflateEnd(&stream);
    if (rc != Z_STREAM_END) {
      if (rc == Z_BUF_ERROR && stream.avail_out == 0) Fail(Codec::kGzip, "decompresses to more than the page size");
      Fail(Codec::kGzip, "corrupt data");
    }
    in_pos += used_in;
    out_pos += produced;
    // Trailing zero padding after the last member is tolerated.
    while (in_pos < input_size && input[in_pos] == 0) ++in_pos;
    if (used_in == 0) break;
  }
  if (out_pos != output_size) Fail(Codec::kGzip, "decompressed to " + std::to_string(out_pos) + " bytes, expected " + std::to_string(output_size));
}

// One zstd context per thread, reused for every page: creating a context
// costs more than decompressing a small page.
struct ZstdContexts {
  ZSTD_CCtx* compress = ZSTD_createCCtx();
  ZSTD_DCtx* decompress = ZSTD_createDCtx();
  ~ZstdContexts() {
    ZSTD_freeCCtx(compress);
    ZSTD_freeDCtx(decompress);
  }
};

ZstdContexts& ThreadZstd() {
  thread_local ZstdContexts contexts;
  return contexts;
}

}  // namespace

void Compress(Codec codec, const std::string& input, std::string& output, int zstd_level) {
  switch (codec) {
    case Codec::kUncompressed:
      output = input;
      return;
    case Codec::kSnappy: {
      size_t size = snappy_max_compressed_length(input.size());
      output.resize(size);
      if (snappy_compress(input.data(), input.size(), output.data(), &size) != SNAPPY_OK) Fail(codec, "compression failed");
      output.resize(size);
      return;
    }
    case Codec::kGzip:
      GzipCompress(input, output);
      return;
    case Codec::kZstd: {
      output.resize(ZSTD_compressBound(input.size()));
      size_t size = ZSTD_compressCCtx(ThreadZstd().compress, output.data(), output.size(), input.data(), input.size(), zstd_level);
      if (ZSTD_isError(size)) Fail(codec, ZSTD_getErrorName(size));
      output.resize(size);
      return;
    }
    default:
      Fail(codec, "writing this codec is not supported");
  }
}

bool PlausibleDecompressedSize(Codec codec, const uint8_t* input, size_t input_size, size_t claimed) {
  constexpr size_t kSlack = 1 << 20;
  switch (codec) {
    case Codec::kUncompressed:
      return claimed == input_size;
    case Codec::kSnappy: {
      size_t size = 0;
      return snappy_uncompressed_length(reinterpret_cast<const char*>(input), input_size, &size) == SNAPPY_OK &&
             size == claimed;
    }
    case Codec::kZstd: {
      unsigned long long size = ZSTD_getFrameContentSize(input, input_size);
      if (size == ZSTD_CONTENTSIZE_ERROR) return false;
      if (size != ZSTD_CONTENTSIZE_UNKNOWN) return size == claimed;
      // zstd's block format caps a ratio near 1:32768 for runs of one byte.
      return claimed <= input_size * 32768 + kSlack;
    }
    case Codec::kGzip:
      return claimed <= input_size * 1032 + kSlack;  // deflate's largest ratio
    case Codec::kLz4:
    case Codec::kLz4Raw:
      return claimed <= input_size * 255 + kSlack;
    default:
      return claimed <= input_size * 4096 + kSlack;
  }
}

void Decompress(Codec codec, const uint8_t* input, size_t input_size, uint8_t* output, size_t output_size) {
  switch (codec) {
    case Codec::kUncompressed:
      if (input_size != output_size) Fail(codec, "page sizes disagree");
      std::memcpy(output, input, input_size);
      return;
    case Codec::kSnappy: {
      size_t size = 0;
      if (snappy_uncompressed_length(reinterpret_cast<const char*>(input), input_size, &size) != SNAPPY_OK) {
        Fail(codec, "corrupt data");
      }
      if (size != output_size) Fail(codec, "decompresses to " + std::to_string(size) + " bytes, expected " + std::to_string(output_size));
      if (snappy_uncompress(reinterpret_cast<const char*>(input), input_size, reinterpret_cast<char*>(output), &size) != SNAPPY_OK) {
        Fail(codec, "corrupt data");
      }
      return;
    }
    case Codec::kGzip:
      GzipDecompress(input, input_size, output, output_size);
      return;
    case Codec::kZstd: {
      size_t size = ZSTD_decompressDCtx(ThreadZstd().decompress, output, output_size, input, input_size);
      if (ZSTD_isError(size)) Fail(codec, ZSTD_getErrorName(size));
      if (size != output_size) Fail(codec, "decompressed to " + std::to_string(size) + " bytes, expected " + std::to_string(output_size));
      return;
    }
    case Codec::kLz4Raw: {
      int size = LZ4_decompress_safe(reinterpret_cast<const char*>(input), reinterpret_cast<char*>(output),
                                     static_cast<int>(input_size), static_cast<int>(output_size));
      if (size < 0 || static_cast<size_t>(size) != output_size) Fail(codec, "corrupt data or wrong size");
      return;
    }
    case Codec::kLz4: {
      // Hadoop's framing: [u32 BE uncompressed][u32 BE compressed][block]...
      size_t in_pos = 0, out_pos = 0;
      bool framed = true;
      while (in_pos + 8 <= input_size && framed) {
        auto be32 = [&](size_t at) {
          return (static_cast<uint32_t>(input[at]) << 24) | (static_cast<uint32_t>(input[at + 1]) << 16) |
                 (static_cast<uint32_t>(input[at + 2]) << 8) | input[at + 3];
        };
        uint32_t raw = be32(in_pos), packed = be32(in_pos + 4);
        if (packed > input_size - in_pos - 8 || raw > output_size - out_pos) {
          framed = false;
          break;
        }
        int size = LZ4_decompress_safe(reinterpret_cast<const char*>(input + in_pos + 8),
                                       reinterpret_cast<char*>(output + out_pos), static_cast<int>(packed),
                                       static_cast<int>(raw));
        if (size < 0 || static_cast<uint32_t>(size) != raw) {
          framed = false;
          break;
        }
        in_pos += 8 + packed;
        out_pos += raw;
      }
      if (framed && in_pos == input_size && out_pos == output_size) return;
      // Some writers used a bare LZ4 block under this codec.
      int size = LZ4_decompress_safe(reinterpret_cast<const char*>(input), reinterpret_cast<char*>(output),
                                     static_cast<int>(input_size), static_cast<int>(output_size));
      if (size < 0 || static_cast<size_t>(size) != output_size) Fail(codec, "corrupt data or wrong size");
      return;
    }
    case Codec::kBrotli: {
      size_t size = output_size;
      if (BrotliDecoderDecompress(input_size, input, &size, output) != BROTLI_DECODER_RESULT_SUCCESS) {
        Fail(codec, "corrupt data");
      }
      if (size != output_size) Fail(codec, "decompressed to the wrong size");
      return;
    }
    default:
      Fail(codec, "this codec is not supported");
  }
}

}  // namespace sluice::parquet
