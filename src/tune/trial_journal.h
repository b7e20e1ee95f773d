#pragma once
// The record of a tuning run that outlives the process: a JSON Lines file
// whose first line says which search it belongs to (a key over the resolved
// pipeline and the data) and each further line one finished trial, appended
// and flushed to disk as the trial ends. A search started again with the
// same key reads its trials back and carries on; a journal of another key
// is started afresh. A line cut short by a kill mid-write is dropped.

#include <memory>
#include <string>
#include <vector>

#include "common/file_system.h"
#include "nlohmann/json.hpp"

namespace sluice {

class TrialJournal {
 public:
  // Opens (creating the folder) `path`. Lines recorded under `key` are
  // returned by trials(); a file of another key is replaced, and
  // `*replaced` says so.
  TrialJournal(std::string path, const std::string& key, bool* replaced);
  ~TrialJournal();
  TrialJournal(const TrialJournal&) = delete;
  TrialJournal& operator=(const TrialJournal&) = delete;

  const std::vector<nlohmann::json>& trials() const { return trials_; }
  int dropped_lines() const { return dropped_; }
  const std::string& path() const { return path_; }
  // Appends one trial and syncs it to disk before returning.
  void Append(const nlohmann::json& trial);

  // Reads the trials of a journal (or of a tuned artifact's trials.jsonl)
  // whatever its key: a warm start's input. IO and format errors name the file.
  static std::vector<nlohmann::json> ReadTrials(const std::string& path);

 private:
  std::string path_;
  std::unique_ptr<WritableFile> file_;
  std::vector<nlohmann::json> trials_;
  int dropped_ = 0;
};

}  // namespace sluice
