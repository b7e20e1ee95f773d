#pragma once
// Which files a source URI names, and what they are: a file, every data
// file of a directory (also inside Hive-style key=value/ folders), or a
// glob's matches; each file's format from its name; the partition keys and
// values of a file's folders. s3:// URIs name objects the same ways
// (io/s3/s3_file.h).

#include <string>
#include <utility>
#include <vector>

namespace sluice {

enum class FileFormat { kCsv, kJsonLines, kParquet };

// The files a URI names: a file, every data file in a directory (sorted), or
// the matches of a glob. Throws a usage error when there are none.
std::vector<std::string> ResolveFiles(const std::string& uri);
// A file's format: `format_option` (source.format) unless "auto", else from its name.
FileFormat FormatOf(const std::string& path, const std::string& format_option);

// Hive's name for a null partition value.
inline constexpr char kHiveNull[] = "__HIVE_DEFAULT_PARTITION__";

// Whether a file's name (no folders) is a data file a folder's listing
// takes: .csv .tsv .jsonl .ndjson .json .txt .parquet .parq .pq, optionally
// .gz, and not hidden (. or _ first, as Spark's _SUCCESS).
bool IsDataFileName(const std::string& name);

// The path without a trailing .gz.
std::string StripCompression(std::string path);
bool EndsWith(const std::string& text, const std::string& suffix);

// The key=value folders between `root` and `file`, in order, their values
// unescaped ("a%2Fb" -> "a/b").
std::vector<std::pair<std::string, std::string>> PartitionsOf(const std::string& root, const std::string& file);

}  // namespace sluice
