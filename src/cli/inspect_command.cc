#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/format.h"
#include "data/value_parser.h"
#include "common/thread_pool.h"
#include "io/parquet/parquet_reader.h"
#include "io/parquet/plain_value.h"
#include "io/table_source.h"

namespace sluice {

namespace {

using namespace parquet;

// A PLAIN-encoded statistic as text, by the column's types.
std::string StatText(const SchemaElement& element, DataType type, const std::string& raw) {
  PhysicalType physical = element.type.value_or(PhysicalType::kByteArray);
  std::string out;
  if (physical == PhysicalType::kInt64 && raw.size() == 8) {
    int64_t v = LoadPlain<int64_t>(raw.data());
    if (type == DataType::kTimestamp && element.logical.unit == 2) {
      AppendTimestamp(out, v);
    } else {
      AppendInt(out, v);
    }
  } else if (physical == PhysicalType::kInt32 && raw.size() == 4 && type == DataType::kTimestamp) {
    AppendTimestamp(out, LoadPlain<int32_t>(raw.data()) * 86400LL * 1000000LL);  // DATE: days
    out.resize(out.find(' ') == std::string::npos ? out.size() : out.find(' '));
  } else if (physical == PhysicalType::kInt32 && raw.size() == 4 && element.logical.kind == LogicalType::kInteger &&
             !element.logical.is_signed) {
    AppendInt(out, static_cast<int64_t>(LoadPlain<uint32_t>(raw.data())));
  } else if (auto number = PlainNumber(physical, raw)) {
    if (physical == PhysicalType::kInt32) {
      AppendInt(out, static_cast<int64_t>(*number));
    } else if (physical == PhysicalType::kFloat) {
      AppendFloat(out, static_cast<float>(*number));
    } else {
      AppendDouble(out, *number);
    }
  } else if (physical == PhysicalType::kBoolean && raw.size() == 1) {
    out = raw[0] ? "true" : "false";
  } else if (physical == PhysicalType::kByteArray && IsValidUtf8(raw)) {
    out = raw.size() > 40 ? raw.substr(0, 40) + "..." : raw;
  } else {
    out = "(" + std::to_string(raw.size()) + " bytes)";
  }
  return out;
}

}  // namespace

CommandAction AddInspectCommand(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto scan = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand("inspect", "Describe a Parquet file: schema, row groups, sizes, codecs, statistics; or time a full scan of any input");
  command->add_option("file", *path, "A Parquet file")->required();
  command->add_flag("--json", *json, "Print as JSON");
  command->add_flag("--scan", *scan, "Read every row of any input (CSV, JSON Lines, Parquet) into columns and time it");
  return [path, json, scan]() {
    if (*scan) {
      SourceOptions options;
      options.uri = *path;
      auto start = std::chrono::steady_clock::now();
      auto source = TableSource::Open(options);
      ThreadPool pool(ThreadPool::DefaultThreads());
      ScanTotals totals = source->Scan(pool, [](size_t, RecordBatch&&) {});
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::printf("scanned %s rows (%s rejected) of %zu columns in %.3f s\n", FormatCount(totals.rows_read).c_str(),
                  FormatCount(totals.rows_rejected).c_str(), source->schema().size(), seconds);
      return 0;
    }
    auto file = ParquetFile::Open(*path);
    const FileMetaData& meta = file->metadata();
    nlohmann::json out;
    out["file"] = *path;
    out["size_bytes"] = file->file_size();
    out["rows"] = meta.num_rows;
    out["created_by"] = meta.created_by;
    out["columns"] = nlohmann::json::array();
    for (size_t c = 0; c < file->schema().size(); ++c) {
      const SchemaElement& e = file->element(c);
      out["columns"].push_back({{"name", e.name},
                                {"physical", PhysicalTypeName(*e.type)},
                                {"type", DataTypeName(file->schema().field(c).type)},
                                {"optional", e.repetition == Repetition::kOptional}});
    }
    out["row_groups"] = nlohmann::json::array();
    for (size_t g = 0; g < meta.row_groups.size(); ++g) {
      const RowGroup& group = meta.row_groups[g];
      nlohmann::json row_group = {{"rows", group.num_rows}, {"bytes", group.total_byte_size}, {"columns", nlohmann::json::array()}};
      for (size_t c = 0; c < group.columns.size(); ++c) {
        const ColumnMetaData& m = group.columns[c].meta;
        nlohmann::json column = {{"name", file->element(c).name},
                                 {"codec", CodecName(m.codec)},
                                 {"compressed_bytes", m.total_compressed_size},
                                 {"uncompressed_bytes", m.total_uncompressed_size},
                                 {"encodings", nlohmann::json::array()}};
        for (Encoding e : m.encodings) column["encodings"].push_back(EncodingName(e));
        if (m.statistics) {
          if (m.statistics->null_count) column["nulls"] = *m.statistics->null_count;
          DataType type = file->schema().field(c).type;
          if (m.statistics->min_value) column["min"] = StatText(file->element(c), type, *m.statistics->min_value);
          if (m.statistics->max_value) column["max"] = StatText(file->element(c), type, *m.statistics->max_value);
        }
        row_group["columns"].push_back(column);
      }
      out["row_groups"].push_back(row_group);
    }
    out["metadata"] = nlohmann::json::object();
    for (const auto& kv : meta.key_value_metadata) out["metadata"][kv.key] = kv.value;
    if (*json) {
      std::printf("%s\n", out.dump(2).c_str());
      return 0;
    }
    std::printf("%s: %s rows, %zu row groups, %s, written by %s\n", path->c_str(), FormatCount(meta.num_rows).c_str(),
                meta.row_groups.size(), FormatBytes(static_cast<double>(file->file_size())).c_str(), meta.created_by.c_str());
    std::printf("columns:\n");
    for (const auto& column : out["columns"]) {
      std::printf("  %-28s %-22s %s%s\n", column["name"].get<std::string>().c_str(),
                  column["physical"].get<std::string>().c_str(), column["type"].get<std::string>().c_str(),
                  column["optional"].get<bool>() ? "" : " (required)");
    }
    for (size_t g = 0; g < out["row_groups"].size(); ++g) {
      const auto& group = out["row_groups"][g];
      std::printf("row group %zu: %s rows, %s\n", g, FormatCount(group["rows"]).c_str(),
                  FormatBytes(group["bytes"].get<double>()).c_str());
      for (const auto& column : group["columns"]) {
        std::string encodings;
        for (const auto& e : column["encodings"]) encodings += (encodings.empty() ? "" : ",") + e.get<std::string>();
        std::string stats;
        if (column.contains("min")) stats += " min " + column["min"].get<std::string>();
        if (column.contains("max")) stats += " max " + column["max"].get<std::string>();
        if (column.contains("nulls")) stats += " nulls " + std::to_string(column["nulls"].get<int64_t>());
        std::printf("  %-28s %-8s %10s -> %-10s %s%s\n", column["name"].get<std::string>().c_str(),
                    column["codec"].get<std::string>().c_str(),
                    FormatBytes(column["uncompressed_bytes"].get<double>()).c_str(),
                    FormatBytes(column["compressed_bytes"].get<double>()).c_str(), encodings.c_str(), stats.c_str());
      }
    }
    for (const auto& [key, value] : out["metadata"].items()) {
      std::string text = value.get<std::string>();
      std::printf("metadata %s: %s\n", key.c_str(), text.size() > 100 ? (text.substr(0, 100) + "...").c_str() : text.c_str());
    }
    return 0;
  };
}

}  // namespace sluice
