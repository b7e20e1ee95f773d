#pragma once
// A share of a source for one rank of a job, so that every row is read by
// exactly one rank, with the same file index and line number as a single
// process gives it (a row's split and its place in the rejects depend on
// them, never on the number of ranks).
//
// CSV and JSON Lines files are cut into blocks of kFingerprintBlockBytes;
// each rank reads the records that start in its run of blocks, the last one
// to its end. Where a record starts, and in which line, depends on what came
// before — newlines, and for CSV whether a quote is open — so the ranks
// first count newlines and quotes in their own blocks and exchange those
// counts (one all-gather); no rank reads another's bytes beyond the end of
// its last record. A gzip file cannot be entered in the middle: a rank
// reads it whole. Parquet row groups are shared out by their bytes.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sluice {

struct SourceShard {
  int index = 0;
  int count = 1;
  // The job's all-gather: every shard's bytes, in shard order, on every shard.
  std::function<std::vector<std::string>(const std::string&)> all_gather;

  bool active() const { return count > 1; }
};

// The shard of unit `unit` of `units` (contiguous runs, by weight): units
// are blocks, gzip files or row groups with their byte sizes as weights.
std::vector<int> AssignUnits(const std::vector<uint64_t>& weights, int shards);

// What one shard reads of a text file.
struct TextShare {
  size_t file_index = 0;
  bool whole = false;          // a gzip file: all of it, from its start
  uint64_t begin = 0, end = 0; // a plain file: [begin, end), record boundaries
  int64_t first_line = 1;      // the line `begin` is on
  bool has_header() const { return whole || begin == 0; }
};

struct TextShardPlan {
  std::vector<TextShare> shares;  // in file order
  // Every plain file's block hashes (all shards'), by file index; gzip
  // files are hashed by whoever reads them, as they are read.
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> block_hashes;
  std::vector<uint8_t> compressed;  // per file
};

// Plans `shard`'s share of the text files (reading its own blocks once, and
// exchanging counts with the other shards: a collective).
TextShardPlan PlanTextShard(const std::vector<std::string>& files, bool quote_aware, char quote,
                            const SourceShard& shard);

}  // namespace sluice
