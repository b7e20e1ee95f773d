#include "io/file_set.h"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "common/error.h"
#include "io/s3/s3_file.h"

namespace sluice {

namespace fs = std::filesystem;

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string StripCompression(std::string path) {
  if (EndsWith(path, ".gz")) path.resize(path.size() - 3);
  return path;
}

namespace {

}  // namespace

bool IsDataFileName(const std::string& name) {
  if (name.empty() || name[0] == '.' || name[0] == '_') return false;
  std::string base = StripCompression(name);
  for (const char* ext : {".csv", ".tsv", ".jsonl", ".ndjson", ".json", ".txt", ".parquet", ".parq", ".pq"}) {
    if (EndsWith(base, ext)) return true;
  }
  return false;
}

namespace {

bool IsDataFile(const fs::path& path) { return IsDataFileName(path.filename().string()); }

// "a%2Fb" -> "a/b", as Hive escapes partition values.
std::string UnescapePartitionValue(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

// The key=value folders between `root` and `file`, in order.
std::vector<std::pair<std::string, std::string>> PartitionsOf(const std::string& root, const std::string& file) {
  std::vector<std::pair<std::string, std::string>> pairs;
  fs::path relative = fs::path(file).lexically_relative(root).parent_path();
  for (const auto& part : relative) {
    std::string text = part.string();
    size_t equals = text.find('=');
    if (equals == std::string::npos || equals == 0) continue;
    pairs.emplace_back(text.substr(0, equals), UnescapePartitionValue(text.substr(equals + 1)));
  }
  return pairs;
}

std::vector<std::string> ResolveFiles(const std::string& uri) {
  if (IsS3Uri(uri)) return ResolveS3Files(uri);
  std::string path = uri;
  if (path.rfind("file://", 0) == 0) path = path.substr(7);
  if (path.find("://") != std::string::npos) {
    ThrowUsage("source '" + uri + "': sluice reads files (a path or file://), s3:// objects and postgres:// databases");
  }
  if (path.empty()) ThrowUsage("source.uri is empty");
  std::vector<std::string> files;
  if (path.find_first_of("*?[") != std::string::npos) {
    glob_t matches;
    if (::glob(path.c_str(), 0, nullptr, &matches) == 0) {
      for (size_t i = 0; i < matches.gl_pathc; ++i) {
        if (fs::is_regular_file(matches.gl_pathv[i])) files.emplace_back(matches.gl_pathv[i]);
      }
    }
    globfree(&matches);
    if (files.empty()) ThrowUsage("source '" + uri + "': no file matches");
  } else if (fs::is_directory(path)) {
    // Data files, also inside Hive-style partition folders (key=value/).
    std::vector<fs::path> folders{path};
    while (!folders.empty()) {
      fs::path folder = folders.back();
      folders.pop_back();
      for (const auto& entry : fs::directory_iterator(folder)) {
        std::string name = entry.path().filename().string();
        if (entry.is_directory() && name.find('=') != std::string::npos && name[0] != '.' && name[0] != '_') {
          folders.push_back(entry.path());
        } else if (entry.is_regular_file() && IsDataFile(entry.path())) {
          files.push_back(entry.path().string());
        }
      }
    }
    if (files.empty()) ThrowUsage("source '" + uri + "': directory holds no .csv, .tsv, .jsonl or .parquet file");
  } else {
    if (!fs::exists(path)) ThrowUsage("source '" + uri + "': no such file");
    files.push_back(path);
  }
  std::sort(files.begin(), files.end());
  return files;
}

FileFormat FormatOf(const std::string& path, const std::string& format_option) {
  if (format_option == "csv" || format_option == "tsv") return FileFormat::kCsv;
  if (format_option == "jsonl" || format_option == "json") return FileFormat::kJsonLines;
  if (format_option == "parquet") return FileFormat::kParquet;
  if (format_option != "auto") {
    ThrowUsage("source.format: unknown format '" + format_option + "' (csv, tsv, jsonl, parquet, auto)");
  }
  std::string base = StripCompression(path);
  if (EndsWith(base, ".parquet") || EndsWith(base, ".parq") || EndsWith(base, ".pq")) return FileFormat::kParquet;
  if (EndsWith(base, ".jsonl") || EndsWith(base, ".ndjson") || EndsWith(base, ".json")) return FileFormat::kJsonLines;
  return FileFormat::kCsv;
}

}  // namespace sluice
