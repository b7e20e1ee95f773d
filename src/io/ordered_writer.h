#pragma once
// Writes pieces of output produced by many threads in any order to one file
// in index order (0, 1, 2...), holding back only the pieces that arrive early.
// The file is written atomically: it appears under its name on Close().

#include <map>
#include <mutex>
#include <string>

#include "common/atomic_file.h"

namespace sluice {

class OrderedWriter {
 public:
  explicit OrderedWriter(const std::string& path) : writer_(AtomicFileWriter::Open(path)) {}

  void Put(size_t index, std::string text);
  // Every index from 0 to the last must have been put.
  void Close();

 private:
  AtomicFileWriter writer_;
  std::mutex mutex_;
  std::map<size_t, std::string> waiting_;
  size_t next_ = 0;
};

}  // namespace sluice
