#include "tune/trial_journal.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/error.h"

namespace sluice {

namespace {

constexpr const char* kFormat = "sluice-tuning-journal";

// The lines of a journal: its header, then trials; a last line without its newline was cut short.
struct JournalText {
  nlohmann::json header;
  std::vector<nlohmann::json> trials;
  int dropped = 0;
};

JournalText Parse(const std::string& text, const std::string& path) {
  JournalText journal;
  size_t start = 0;
  int line_number = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    ++line_number;
    if (end == std::string::npos) {  // no newline: cut short by a kill
      ++journal.dropped;
      break;
    }
    std::string line = text.substr(start, end - start);
    start = end + 1;
    nlohmann::json json = nlohmann::json::parse(line, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
      ThrowInputData(path + ":" + std::to_string(line_number) + ": not a JSON object");
    }
    if (line_number == 1) {
      if (json.value("format", "") != kFormat) ThrowInputData(path + ":1: not a sluice tuning journal");
      journal.header = std::move(json);
    } else {
      journal.trials.push_back(std::move(json));
    }
  }
  return journal;
}

}  // namespace

TrialJournal::TrialJournal(std::string path, const std::string& key, bool* replaced) : path_(std::move(path)) {
  *replaced = false;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  std::string kept;
  if (std::filesystem::exists(path_)) {
    JournalText journal = Parse(ReadFileToString(path_), path_);
    if (journal.header.value("key", "") == key) {
      trials_ = std::move(journal.trials);
      dropped_ = journal.dropped;
      for (const auto& trial : trials_) kept += trial.dump() + '\n';
    } else {
      *replaced = true;
    }
  }
  // Rewritten whole (atomically) so that a cut-short line is gone before anything is appended.
  nlohmann::json header = {{"format", kFormat}, {"key", key}};
  WriteFileAtomically(path_, header.dump() + '\n' + kept);
  file_ = FileSystem::Default().NewAppendableFile(path_);
}

TrialJournal::~TrialJournal() = default;

// Synced line by line: a trial recorded is a trial a resumed search skips.
void TrialJournal::Append(const nlohmann::json& trial) {
  file_->Append(trial.dump() + '\n');
  file_->Sync();
  trials_.push_back(trial);
}

std::vector<nlohmann::json> TrialJournal::ReadTrials(const std::string& path) {
  if (!std::filesystem::exists(path)) ThrowUsage("tune.warm_start: " + path + ": no such file");
  return Parse(ReadFileToString(path), path).trials;
}

}  // namespace sluice
