#pragma once
// The seam between readers that need byte ranges (Parquet: the footer first,
// then column chunks) and where the bytes live: a local file today, a memory
// buffer in tests and fuzzing, object storage later (LevelDB's Env idea).
// Local files are memory-mapped, as Polars and Arrow's memory_map do: a reader
// decodes pages where the kernel's page cache holds them instead of copying
// every byte first. (A file truncated by another process while it is read
// can then end the process with SIGBUS; sluice never truncates its inputs.)

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sluice {

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  virtual const std::string& name() const = 0;
  virtual uint64_t size() const = 0;
  // Reads exactly `length` bytes at `offset`; throws an input-data error past
  // the end and an IO error when the storage fails. Safe from many threads.
  virtual void ReadAt(uint64_t offset, size_t length, uint8_t* out) const = 0;
  // The bytes at [offset, offset + length) in place, without a copy, where
  // the storage holds them already: a memory-mapped local file (the pointer
  // owns nothing and is valid while this object lives) or bytes object
  // storage fetched ahead (the pointer keeps them alive). nullptr where the
  // caller must ReadAt() into its own buffer (bytes not fetched ahead, and
  // memory files, so that fuzzing sees exact-size buffers). Throws past the
  // end like ReadAt(). Viewing bytes fetched ahead counts as reading them.
  virtual std::shared_ptr<const uint8_t> View(uint64_t offset, size_t length) const { return nullptr; }
  // A hint: these [offset, offset + length) ranges will be read soon, each
  // exactly once. Object storage starts fetching them (adjacent ranges as
  // one request) so the bytes are there when ReadAt asks; a local file has
  // nothing to do. Safe from many threads.
  virtual void WillNeed(const std::vector<std::pair<uint64_t, uint64_t>>& ranges) const {}
};

std::unique_ptr<RandomAccessFile> OpenLocalFile(const std::string& path);
std::unique_ptr<RandomAccessFile> MemoryFile(std::string name, std::string bytes);

}  // namespace sluice
