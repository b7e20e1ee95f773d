#pragma once
// The finished steps of one run, so that a run killed mid-way and started
// again skips them. Each record names the step and the content hash (XXH3
// over every file, by relative path) of the outputs it left in the run's
// work folder; a step counts as finished only while its outputs still hash
// to what was recorded. Records live in DIR/steps.json, written atomically,
// under a key (what the run is: pipeline, threads, input files): a journal
// of another key is cleared.

#include <string>
#include <vector>

#include "nlohmann/json.hpp"

namespace sluice {

class StepJournal {
 public:
  // Opens `dir` (created if missing); `*cleared` says whether it held another run's steps.
  StepJournal(std::string dir, const std::string& key, bool* cleared);

  const std::string& dir() const { return dir_; }
  std::string PathOf(const std::string& output) const { return dir_ + "/" + output; }
  // True when `step` finished under this key and its outputs still hash as
  // recorded; otherwise false, with why in `*why_not` when it was recorded.
  bool Finished(const std::string& step, std::string* why_not) const;
  // Records `step` as finished with `outputs` (files or folders under dir).
  void Record(const std::string& step, const std::vector<std::string>& outputs);
  // Forgets `step` and removes its outputs (before running it again).
  void Reset(const std::string& step, const std::vector<std::string>& outputs);
  // Removes the folder: the run is over.
  void Remove();

  // common/content_hash.h's ContentHash.
  static std::string ContentHash(const std::string& path);

 private:
  void Write() const;

  std::string dir_;
  std::string key_;
  nlohmann::json steps_ = nlohmann::json::object();
};

}  // namespace sluice
