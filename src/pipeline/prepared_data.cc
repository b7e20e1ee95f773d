#include "pipeline/prepared_data.h"

#include <cmath>
#include <filesystem>
#include <mutex>

#include "cluster/communicator.h"
#include "cluster/rank_outputs.h"
#include "artifact/described_files.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "io/s3/s3_file.h"
#include "io/table_source.h"

namespace sluice {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSplitNames[3] = {"train", "valid", "test"};

nlohmann::json ReadJsonFile(const std::string& path) {
  if (!fs::exists(path)) ThrowInputData(path + ": missing (is this a `sluice prep` output directory?)");
  try {
    return nlohmann::json::parse(ReadFileToString(path));
  } catch (const nlohmann::json::exception& error) {
    ThrowInputData(path + ": not valid JSON: " + error.what());
  }
}

// One split's Parquet dataset as a matrix: θ's features in θ's order, then
// the target; a null feature is a missing value (NaN), as prep wrote it.
void LoadSplit(const std::string& dir, const FittedPrep& fitted, ThreadPool& pool, bool shard, DenseMatrix& matrix,
               std::vector<uint32_t>* files, std::vector<int64_t>* lines) {
  SourceOptions options;
  options.uri = dir;
  options.format = "parquet";
  auto source = TableSource::Open(options);
  std::vector<std::string> wanted = fitted.feature_names();
  wanted.push_back(fitted.target());
  for (const auto& name : wanted) {
    if (!source->schema().Find(name)) {
      ThrowInputData(dir + ": has no column '" + name + "', which the prepared data's prep.json names");
    }
  }
  source->Project(wanted);
  // Under MPI each rank reads its own share of the row groups.
  Communicator& job = Job();
  if (shard && job.size() > 1) {
    source->SetShard({job.rank(), job.size(), [&job](const std::string& mine) { return job.AllGather(mine); }});
  }
  const size_t num_features = fitted.num_features();
  matrix.num_features = num_features;
  struct Part {
    DenseBlock block;
    std::vector<int64_t> lines;
    uint32_t file = 0;
  };
  std::vector<Part> parts;
  std::mutex mutex;
  source->Scan(pool, [&](size_t index, RecordBatch&& batch) {
    Part part;
    const size_t rows = batch.num_rows();
    part.block.values.resize(rows * num_features);
    part.block.labels.resize(rows);
    // Projection keeps file order; look each wanted column up by name.
    for (size_t k = 0; k <= num_features; ++k) {
      const Column& column = batch.columns[*batch.schema.Find(wanted[k])];
      for (size_t row = 0; row < rows; ++row) {
        const float value = column.IsNull(row) ? NAN : static_cast<float>(column.AsDouble(row));
        if (k < num_features) {
          part.block.values[row * num_features + k] = value;
        } else {
          if (std::isnan(value)) ThrowInputData(dir + ": a row has no target value (" + fitted.target() + ")");
          part.block.labels[row] = value;
        }
      }
    }
    if (lines) part.lines = batch.lines;
    part.file = batch.file_index;
    std::lock_guard<std::mutex> lock(mutex);
    if (parts.size() <= index) parts.resize(index + 1);
    parts[index] = std::move(part);
  });
  for (auto& part : parts) {
    if (lines) {
      lines->insert(lines->end(), part.lines.begin(), part.lines.end());
      files->insert(files->end(), part.lines.size(), part.file);
    }
    if (part.block.rows() > 0) matrix.blocks.push_back(std::move(part.block));
  }
}

}  // namespace

void WritePreparedManifest(const std::string& dir, const Schema& raw_schema, const nlohmann::json& data,
                           const RowCounts& rows, const SplitShares& split) {
  nlohmann::json manifest = {
      {"raw_schema", raw_schema.ToJson()}, {"data", data}, {"rows", rows.ToJson()}, {"split", split.ToJson()}};
  // Every other file (prep.json, the splits' parts, rejects.csv) by size and
  // content hash: a reader finds a part changed after prep.
  manifest["files"] = DescribeFiles(dir, "manifest.json");
  WriteFileAtomically((fs::path(dir) / "manifest.json").string(), manifest.dump(2) + "\n");
}

PreparedData LoadPreparedData(const std::string& where, ThreadPool& pool, bool shard) {
  shard = shard && Job().size() > 1;
  // Prepared data in S3 is read from a local copy of its folder, copied
  // again while its files do not match its manifest (a prefix being replaced).
  const std::string dir = IsS3Uri(where) ? DownloadS3Folder(where, [](const std::string& copy) {
    const std::string path = (fs::path(copy) / "manifest.json").string();
    if (fs::exists(path)) VerifyDescribedFiles(copy, ReadJsonFile(path), "manifest.json", "prepared data");
  })
                                         : where;
  if (!fs::is_directory(dir)) ThrowUsage("train.prepared: " + dir + " is not a directory");
  PreparedData prepared;
  const std::string prep_path = (fs::path(dir) / "prep.json").string();
  const std::string manifest_path = (fs::path(dir) / "manifest.json").string();
  nlohmann::json manifest = ReadJsonFile(manifest_path);
  VerifyDescribedFiles(dir, manifest, "manifest.json", "prepared data");
  try {
    prepared.fitted = std::make_unique<FittedPrep>(FittedPrep::FromJson(ReadJsonFile(prep_path)));
    prepared.raw_schema = Schema::FromJson(manifest.at("raw_schema"));
    prepared.data = manifest.at("data");
    prepared.rows = RowCounts::FromJson(manifest.at("rows"));
    prepared.split = SplitShares::FromJson(manifest.value("split", nlohmann::json()));  // older directories lack it
  } catch (const nlohmann::json::exception& error) {
    ThrowInputData(dir + ": prep.json or manifest.json is incomplete: " + error.what());
  }
  prepared.data["prepared"] = dir;
  prepared.sharded = shard;
  for (int part = 0; part < 3; ++part) {
    const std::string split_dir = (fs::path(dir) / kSplitNames[part]).string();
    const bool test = part == 2;
    LoadSplit(split_dir, *prepared.fitted, pool, shard, prepared.splits[part], test ? &prepared.test_files : nullptr,
              test ? &prepared.test_lines : nullptr);
    const int64_t expected = part == 0 ? prepared.rows.train : part == 1 ? prepared.rows.valid : prepared.rows.test;
    int64_t found = static_cast<int64_t>(prepared.splits[part].num_rows());
    if (shard) found = SumOverRanks({found}, Job())[0];
    if (found != expected) {
      ThrowInputData(split_dir + ": holds " + std::to_string(found) + " rows where manifest.json counts " +
                     std::to_string(expected) + " (the prepared data changed after prep)");
    }
  }
  const std::string rejects = (fs::path(dir) / "rejects.csv").string();
  if (prepared.rows.rejected > 0 && fs::exists(rejects)) prepared.rejects_file = rejects;
  return prepared;
}

}  // namespace sluice
