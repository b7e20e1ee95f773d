#pragma once
// The seam between readers that need byte ranges (Parquet: the footer first,
// then column chunks) and where the bytes live: a local file today, a memory
// buffer in tests and fuzzing, object storage later (LevelDB's Env idea).

#include <cstdint>
#include <memory>
#include <string>

namespace sluice {

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  virtual const std::string& name() const = 0;
  virtual uint64_t size() const = 0;
  // Reads exactly `length` bytes at `offset`; throws an input-data error past
  // the end and an IO error when the storage fails. Safe from many threads.
  virtual void ReadAt(uint64_t offset, size_t length, uint8_t* out) const = 0;
};

std::unique_ptr<RandomAccessFile> OpenLocalFile(const std::string& path);
std::unique_ptr<RandomAccessFile> MemoryFile(std::string name, std::string bytes);

}  // namespace sluice
