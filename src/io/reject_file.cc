#include "io/reject_file.h"

#include "common/uri.h"
#include "io/postgres/postgres_connection.h"

#include <cstdio>

#include "common/error.h"
#include "common/format.h"

namespace sluice {

RejectFile::RejectFile(std::string path) : path_(std::move(path)) {}

void AppendCsvField(std::string& out, std::string_view text) {
  bool needs_quotes = text.find_first_of(",\"\n\r") != std::string_view::npos;
  if (!needs_quotes) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void RejectFile::Add(size_t batch_index, const std::string& source, std::vector<RejectedRow> rows) {
  std::lock_guard<std::mutex> lock(mutex_);
  waiting_.emplace(batch_index, std::make_pair(source, std::move(rows)));
  WriteReady();
}

void RejectFile::WriteReady() {
  while (!waiting_.empty() && waiting_.begin()->first == next_index_) {
    auto& [source, rows] = waiting_.begin()->second;
    if (!rows.empty()) {
      if (first_.empty()) first_ = source + ":" + std::to_string(rows[0].line) + ": " + rows[0].reason;
      for (size_t i = 0; i < rows.size() && firsts_.size() < kFirstRejectsKept; ++i) {
        firsts_.push_back(source + ":" + std::to_string(rows[i].line) + ": " + rows[i].reason);
      }
      if (!path_.empty()) {
        if (!writer_) {
          writer_.emplace(AtomicFileWriter::Open(path_));
          writer_->Write("file,line,reason,record\n");
        }
        std::string out;
        for (const auto& row : rows) {
          AppendCsvField(out, source);
          out.push_back(',');
          out += std::to_string(row.line);
          out.push_back(',');
          AppendCsvField(out, row.reason);
          out.push_back(',');
          AppendCsvField(out, row.text);
          out.push_back('\n');
        }
        writer_->Write(out);
      }
      count_ += static_cast<int64_t>(rows.size());
    }
    waiting_.erase(waiting_.begin());
    ++next_index_;
  }
}

void RejectFile::SetWholeSource(std::vector<std::string> firsts, int64_t count) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (firsts.size() > kFirstRejectsKept) firsts.resize(kFirstRejectsKept);
  first_ = firsts.empty() ? std::string() : firsts[0];
  firsts_ = std::move(firsts);
  count_ = count;
}

void RejectFile::Close() {
  std::lock_guard<std::mutex> lock(mutex_);
  WriteReady();
  if (writer_) {
    writer_->Commit();
    writer_.reset();
  }
}

void CheckRejectRate(const RejectFile& rejects, int64_t rejected, int64_t rows, double max_rate, const std::string& option,
                     const std::string& context) {
  if (rejected == 0 || rows <= 0 || static_cast<double>(rejected) <= max_rate * static_cast<double>(rows)) return;
  char share[64];
  std::snprintf(share, sizeof share, "%.3g%%, more than %s %.3g%%", 100.0 * static_cast<double>(rejected) / static_cast<double>(rows),
                option.c_str(), 100.0 * max_rate);
  std::string message = "rejected " + FormatCount(rejected) + " of " + FormatCount(rows) + " rows (" + share + ")";
  for (size_t i = 0; i < rejects.firsts().size(); ++i) message += (i == 0 ? "; first: " : "; ") + rejects.firsts()[i];
  if (!context.empty()) message += "; " + context;
  ThrowInputData(message + " (raise " + option + " to accept more)");
}

std::string DefaultRejectsPath(const std::string& output) {
  if (IsPostgresUri(output)) {
    std::string table = SplitPostgresUri(output).table;
    for (char& c : table) {
      if (c == '/' || c == '"') c = '_';
    }
    return (table.empty() ? "output" : table) + ".rejects.csv";
  }
  if (!output.empty() && output.back() == '/') return output.substr(0, output.size() - 1) + ".rejects.csv";
  return output + ".rejects.csv";
}

}  // namespace sluice
