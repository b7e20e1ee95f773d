#include "cluster/rank_outputs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/file_system.h"
#include "nlohmann/json.hpp"

namespace sluice {

namespace fs = std::filesystem;

std::string RankPath(const std::string& path, int rank) {
  const std::string tag = ".rank-" + std::to_string(rank);
  if (!path.empty() && path.back() == '/') return path.substr(0, path.size() - 1) + tag + "/";
  const size_t slash = path.rfind('/');
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) || dot == slash + 1) return path + tag;
  return path.substr(0, dot) + tag + path.substr(dot);
}

std::string RankPath(const std::string& path, const Communicator& job) {
  return job.size() == 1 ? path : RankPath(path, job.rank());
}

std::vector<bool> RanksThatWrote(const std::function<std::string(int)>& part, Communicator& job) {
  const std::vector<std::string> wrote = job.AllGather(fs::exists(part(job.rank())) ? "1" : "0");
  std::vector<bool> out;
  for (int rank = 0; rank < job.size(); ++rank) {
    out.push_back(wrote[static_cast<size_t>(rank)] == "1");
    if (job.rank() == 0 && out.back() && !fs::exists(part(rank))) {
      ThrowIo(part(rank) + ": rank " + std::to_string(rank) + " wrote it, but rank 0 cannot see it: an output across "
              "MPI ranks must be on a file system every rank sees (the same host, or a shared one; for an s3:// "
              "output or a database table, the state directory); nothing was joined (docs/distributed.md)");
    }
  }
  return out;
}

void JoinRankFiles(const std::string& path, bool header_line, Communicator& job) {
  if (job.size() == 1) return;
  const std::vector<bool> wrote = RanksThatWrote([&path](int rank) { return RankPath(path, rank); }, job);
  if (job.rank() == 0) {
    std::optional<AtomicFileWriter> out;
    for (int rank = 0; rank < job.size(); ++rank) {
      const std::string part = RankPath(path, rank);
      if (!wrote[static_cast<size_t>(rank)]) continue;
      std::ifstream in(part, std::ios::binary);
      std::string header;
      if (header_line) std::getline(in, header);
      if (!out) {
        out.emplace(AtomicFileWriter::Open(path));
        if (header_line) out->Write(header + "\n");
      }
      std::string block(1 << 20, '\0');
      while (in.read(block.data(), static_cast<std::streamsize>(block.size())) || in.gcount() > 0) {
        out->Write(std::string_view(block.data(), static_cast<size_t>(in.gcount())));
      }
      if (in.bad()) ThrowIo("cannot read " + part);
    }
    if (out) out->Commit();
    for (int rank = 0; rank < job.size(); ++rank) FileSystem::Default().RemoveAll(RankPath(path, rank));
  }
  job.Barrier();  // the joined file is in place before any rank names it
}

void JoinRankDatasets(const std::string& path, Communicator& job) {
  if (job.size() == 1) return;
  const std::string dir = !path.empty() && path.back() == '/' ? path.substr(0, path.size() - 1) : path;
  RanksThatWrote([&dir](int rank) { return RankPath(dir + "/", rank); }, job);
  if (job.rank() == 0) {
    const std::string staged = dir + ".joining";
    FileSystem::Default().RemoveAll(staged);
    FileSystem::Default().CreateDirectories(staged);
    int next = 0;
    for (int rank = 0; rank < job.size(); ++rank) {
      const std::string part_dir = RankPath(dir + "/", rank);
      std::vector<std::string> parts;
      if (!fs::is_directory(part_dir)) ThrowIo(part_dir + ": rank " + std::to_string(rank) + " wrote no dataset");
      for (const auto& entry : fs::directory_iterator(part_dir)) parts.push_back(entry.path().filename().string());
      std::sort(parts.begin(), parts.end());
      for (const auto& name : parts) {
        char joined[32];
        std::snprintf(joined, sizeof joined, "part-%05d.parquet", next++);
        FileSystem::Default().Rename((fs::path(part_dir) / name).string(), (fs::path(staged) / joined).string());
      }
      FileSystem::Default().RemoveAll(part_dir);
    }
    ReplaceDirectory(staged, dir);
  }
  job.Barrier();
}

std::vector<int64_t> SumOverRanks(const std::vector<int64_t>& values, Communicator& job) {
  if (job.size() == 1) return values;
  std::vector<int64_t> sum(values.size(), 0);
  for (const auto& text : job.AllGather(nlohmann::json(values).dump())) {
    const std::vector<int64_t> theirs = nlohmann::json::parse(text).get<std::vector<int64_t>>();
    for (size_t i = 0; i < sum.size() && i < theirs.size(); ++i) sum[i] += theirs[i];
  }
  return sum;
}

}  // namespace sluice
