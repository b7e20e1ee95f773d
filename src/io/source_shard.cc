#include "io/source_shard.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "common/error.h"
#include "io/byte_stream.h"
#include "io/s3/s3_file.h"
#include "nlohmann/json.hpp"

namespace sluice {

std::vector<int> AssignUnits(const std::vector<uint64_t>& weights, int shards) {
  uint64_t total = 0;
  for (uint64_t weight : weights) total += std::max<uint64_t>(weight, 1);
  std::vector<int> out;
  out.reserve(weights.size());
  uint64_t before = 0;
  for (uint64_t weight : weights) {
    // The shard whose share of the total the unit's start falls in.
    const unsigned __int128 scaled = static_cast<unsigned __int128>(before) * static_cast<unsigned>(shards);
    out.push_back(std::min(shards - 1, static_cast<int>(scaled / std::max<uint64_t>(total, 1))));
    before += std::max<uint64_t>(weight, 1);
  }
  return out;
}

namespace {

// A run of one file's blocks a shard owns, and what it found there.
struct Piece {
  size_t file = 0;
  uint64_t from = 0, to = 0;  // [from, to): block-aligned but for the file's end
  int64_t newlines = 0, quotes = 0;
  bool newline_before = false;  // the byte at from - 1 is a newline
  // The first newline at an even / odd count of quotes since `from` (-1:
  // none), and the newlines before it since `from`.
  int64_t even_at = -1, even_lines = 0, odd_at = -1, odd_lines = 0;
  std::vector<std::pair<uint64_t, uint64_t>> hashes;

  nlohmann::json ToJson() const {
    return {{"f", file},          {"a", from},       {"b", to},           {"n", newlines},      {"q", quotes},
            {"p", newline_before}, {"e", even_at},    {"el", even_lines}, {"o", odd_at},        {"ol", odd_lines},
            {"h", hashes}};
  }
  static Piece FromJson(const nlohmann::json& json) {
    Piece piece;
    piece.file = json.at("f").get<size_t>();
    piece.from = json.at("a").get<uint64_t>();
    piece.to = json.at("b").get<uint64_t>();
    piece.newlines = json.at("n").get<int64_t>();
    piece.quotes = json.at("q").get<int64_t>();
    piece.newline_before = json.at("p").get<bool>();
    piece.even_at = json.at("e").get<int64_t>();
    piece.even_lines = json.at("el").get<int64_t>();
    piece.odd_at = json.at("o").get<int64_t>();
    piece.odd_lines = json.at("ol").get<int64_t>();
    piece.hashes = json.at("h").get<std::vector<std::pair<uint64_t, uint64_t>>>();
    return piece;
  }
};

// Reads the piece's bytes once: counts, candidates and block hashes. A
// ranged stream, so an S3 object's piece is one ranged GET.
void Survey(const std::string& path, bool quote_aware, char quote, Piece& piece) {
  std::unique_ptr<ByteStream> stream = ByteStream::OpenRange(path, piece.from > 0 ? piece.from - 1 : 0, piece.to);
  std::string buffer(kFingerprintBlockBytes, '\0');
  BlockHasher hasher(piece.from / kFingerprintBlockBytes);
  auto read_next = [&](size_t size) {
    for (size_t total = 0; total < size;) {
      const size_t n = stream->Read(buffer.data() + total, size - total);
      if (n == 0) ThrowInputData(path + ": shorter than when the source was opened (changed by another process?)");
      total += n;
    }
  };
  if (piece.from > 0) {
    read_next(1);
    piece.newline_before = buffer[0] == '\n';
  }
  bool odd = false;
  for (uint64_t offset = piece.from; offset < piece.to; offset += kFingerprintBlockBytes) {
    const size_t size = static_cast<size_t>(std::min<uint64_t>(kFingerprintBlockBytes, piece.to - offset));
    read_next(size);
    hasher.Update(buffer.data(), size);
    const char* data = buffer.data();
    // Until both candidates are found, byte by byte; then only counts.
    size_t i = 0;
    for (; i < size && (piece.even_at < 0 || (quote_aware && piece.odd_at < 0)); ++i) {
      if (quote_aware && data[i] == quote) {
        odd = !odd;
        ++piece.quotes;
      } else if (data[i] == '\n') {
        if (!odd && piece.even_at < 0) {
          piece.even_at = static_cast<int64_t>(offset + i);
          piece.even_lines = piece.newlines;
        } else if (odd && piece.odd_at < 0) {
          piece.odd_at = static_cast<int64_t>(offset + i);
          piece.odd_lines = piece.newlines;
        }
        ++piece.newlines;
      }
    }
    piece.newlines += std::count(data + i, data + size, '\n');
    if (quote_aware) {
      const int64_t more = std::count(data + i, data + size, quote);
      piece.quotes += more;
      if (more % 2) odd = !odd;
    }
  }
  piece.hashes = hasher.Finish();
}

}  // namespace

TextShardPlan PlanTextShard(const std::vector<std::string>& files, bool quote_aware, char quote,
                            const SourceShard& shard) {
  TextShardPlan plan;
  plan.block_hashes.resize(files.size());
  plan.compressed.resize(files.size());
  // The units: each plain file's blocks, each gzip file whole.
  struct Unit {
    size_t file;
    uint64_t block;  // of a plain file
  };
  std::vector<Unit> units;
  std::vector<uint64_t> weights, sizes(files.size());
  for (size_t f = 0; f < files.size(); ++f) {
    if (IsS3Uri(files[f])) {
      sizes[f] = S3ObjectInfo(files[f]).size;
    } else {
      struct stat info;
      if (::stat(files[f].c_str(), &info) != 0) ThrowErrno("cannot stat " + files[f]);
      sizes[f] = static_cast<uint64_t>(info.st_size);
    }
    plan.compressed[f] = ByteStream::IsCompressed(files[f]);
    if (plan.compressed[f]) {
      units.push_back({f, 0});
      weights.push_back(sizes[f]);
      continue;
    }
    for (uint64_t block = 0; block * kFingerprintBlockBytes < sizes[f]; ++block) {
      units.push_back({f, block});
      weights.push_back(std::min<uint64_t>(kFingerprintBlockBytes, sizes[f] - block * kFingerprintBlockBytes));
    }
  }
  const std::vector<int> owner = AssignUnits(weights, shard.count);

  // This shard's pieces (a contiguous run of blocks per file), surveyed.
  std::vector<Piece> mine;
  for (size_t u = 0; u < units.size(); ++u) {
    if (owner[u] != shard.index) continue;
    const Unit& unit = units[u];
    if (plan.compressed[unit.file]) {
      plan.shares.push_back({unit.file, true, 0, sizes[unit.file], 1});
      continue;
    }
    const uint64_t from = unit.block * kFingerprintBlockBytes;
    const uint64_t to = std::min(sizes[unit.file], from + kFingerprintBlockBytes);
    if (!mine.empty() && mine.back().file == unit.file && mine.back().to == from) {
      mine.back().to = to;
    } else {
      Piece piece;
      piece.file = unit.file;
      piece.from = from;
      piece.to = to;
      mine.push_back(std::move(piece));
    }
  }
  nlohmann::json report = nlohmann::json::array();
  for (auto& piece : mine) {
    Survey(files[piece.file], quote_aware, quote, piece);
    report.push_back(piece.ToJson());
  }

  // Every shard's pieces, by file and offset.
  std::map<std::pair<size_t, uint64_t>, Piece> all;
  for (const auto& text : shard.all_gather(report.dump())) {
    for (const auto& item : nlohmann::json::parse(text)) {
      Piece piece = Piece::FromJson(item);
      all[{piece.file, piece.from}] = piece;
    }
  }
  // Where each piece's first record begins, and on which line: from the
  // newlines and quotes of the pieces before it in its file.
  struct Start {
    uint64_t begin = 0;
    int64_t line = 1;
    bool found = false;
  };
  std::map<std::pair<size_t, uint64_t>, Start> starts;
  size_t file = SIZE_MAX;
  int64_t lines_before = 0, quotes_before = 0;
  for (const auto& [key, piece] : all) {
    if (piece.file != file) {
      file = piece.file;
      lines_before = quotes_before = 0;
    }
    for (const auto& hash : piece.hashes) plan.block_hashes[piece.file].push_back(hash);
    Start start;
    const bool in_quotes = quote_aware && quotes_before % 2 == 1;
    const int64_t line = 1 + lines_before;
    if (piece.from == 0 || (piece.newline_before && !in_quotes)) {
      start = {piece.from, line, true};
    } else if (const int64_t at = in_quotes ? piece.odd_at : piece.even_at; at >= 0) {
      start = {static_cast<uint64_t>(at) + 1, line + (in_quotes ? piece.odd_lines : piece.even_lines) + 1, true};
    }
    starts[key] = start;
    lines_before += piece.newlines;
    quotes_before += piece.quotes;
  }
  // A piece with no record start in it starts where the next one does (a
  // record longer than the piece runs through it); the last, at the end.
  Start next;
  file = SIZE_MAX;
  for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
    const auto& [key, start] = *it;
    if (key.first != file) {
      file = key.first;
      next = {sizes[file], 0, true};  // the file's end: its line is never read
    }
    if (!start.found) it->second = next;
    const uint64_t end = next.begin;
    next = it->second;
    // This shard's share: from its start to the next piece's.
    for (const auto& piece : mine) {
      if (piece.file == key.first && piece.from == key.second && it->second.begin < end) {
        plan.shares.push_back({piece.file, false, it->second.begin, end, it->second.line});
      }
    }
  }
  std::sort(plan.shares.begin(), plan.shares.end(),
            [](const TextShare& a, const TextShare& b) { return std::tie(a.file_index, a.begin) < std::tie(b.file_index, b.begin); });
  for (auto& hashes : plan.block_hashes) std::sort(hashes.begin(), hashes.end());
  return plan;
}

}  // namespace sluice
