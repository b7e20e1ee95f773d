#pragma once
// The rejects file: one CSV line per input row that could not be used, with
// the file, the line it starts on, the reason and the raw record. Batches
// arrive from many threads in any order; rows are written in input order.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/atomic_file.h"
#include "data/record_batch.h"

namespace sluice {

class RejectFile {
 public:
  // `path` empty: rejects are counted and the first few kept for messages only.
  explicit RejectFile(std::string path);

  // Hands over batch `batch_index`'s rejects (possibly none). Every batch
  // index from 0 up must be handed over once.
  void Add(size_t batch_index, const std::string& source, std::vector<RejectedRow> rows);
  // Writes what is left and renames the file into place; no file when no row
  // was rejected.
  void Close();

  int64_t count() const { return count_; }
  const std::string& path() const { return path_; }
  // "file:line: reason" of the first reject, for the run summary.
  const std::string& first() const { return first_; }
  // The same for the first few (up to kFirstRejectsKept), for messages.
  const std::vector<std::string>& firsts() const { return firsts_; }
  static constexpr size_t kFirstRejectsKept = 3;
  // The first rejects and the count of a whole source read in shards (every
  // shard's, in shard order), in place of this shard's own, for messages.
  void SetWholeSource(std::vector<std::string> firsts, int64_t count);

 private:
  void WriteReady();

  std::string path_;
  std::mutex mutex_;
  std::map<size_t, std::pair<std::string, std::vector<RejectedRow>>> waiting_;
  size_t next_index_ = 0;
  int64_t count_ = 0;
  std::string first_;
  std::vector<std::string> firsts_;
  std::optional<AtomicFileWriter> writer_;
};

// Where an output's rejected rows go unless --rejects says: beside a file
// (OUTPUT.rejects.csv), beside a dataset directory (not in it), and for a
// database table TABLE.rejects.csv in the working directory.
std::string DefaultRejectsPath(const std::string& output);

// The share of rejected rows a command accepts before it fails (exit 3)
// unless told otherwise: a careful default between Spark's PERMISSIVE (any
// share) and FAILFAST (none), so a file whose rows mostly fail to read is
// never taken for a clean one, while real-world strays still pass.
inline constexpr double kDefaultMaxRejectRate = 0.01;

// Throws an input-data error when `rejected` of `rows` (blank lines left
// out) is a larger share than `max_rate`: the count, the share and the
// first reasons, then `context` (where the rejects and the output went).
// `option` names the setting to raise.
void CheckRejectRate(const RejectFile& rejects, int64_t rejected, int64_t rows, double max_rate, const std::string& option,
                     const std::string& context);

// Appends `text` as one CSV field, quoted when it has to be.
void AppendCsvField(std::string& out, std::string_view text);

}  // namespace sluice
